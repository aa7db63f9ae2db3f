//! The [`Store`](switchyard_core::store::Store) over an SQLite file.
//!
//! The connection setup lives here; the SQL and row mapping are shared with the PostgreSQL
//! store (crates/store-common, compiled into this crate with `include!`). SQLite's own
//! parts: `reads` (the hot reads, through rusqlite on the calling thread), `call_counts`
//! (the count cache) and `group_commit` (review writes sharing a disk sync).
//!
//! The file runs in WAL mode with `synchronous=FULL`, so a committed write survives a power
//! cut. The reads every request makes run over read-only connections of their own
//! (reads.rs), other reads over a sqlx pool; writes go through a separate pool of exactly one
//! connection, so that writers in this process queue instead of failing with `SQLITE_BUSY`,
//! and every write transaction starts with `BEGIN IMMEDIATE`, so that a writer in another
//! process (the CLI) waits up to the busy timeout instead of deadlocking.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::path::Path;
use std::time::Duration;
use switchyard_core::store::{StoreError, StoreResult};

type Db = sqlx::Sqlite;
type ThisStore = SqliteStore;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// sqlx's read connections: the hot reads take the direct ones (reads.rs).
const READ_CONNECTIONS: u32 = 4;
const DIRECT_READ_CONNECTIONS: u32 = 8;
/// Reads that walk many rows (a count, a deep OFFSET) running at once; more wait their turn
/// without a thread. Each runs on a thread of its own (`block_in_place`): 32 clients asking
/// for the middle page of a million calls had the runtime start a dozen threads and the
/// server's memory grow by 50 MB, with no more pages served (they share the cores).
const LONG_READS: usize = 2;
/// Rows per index that `PRAGMA optimize` samples (SQLite's recommended value).
const ANALYSIS_LIMIT: u32 = 400;
/// Page size of a new database file. A stored call (its `calls` row, about 2.2 KB with its
/// doc) fits one to a 4 KiB page, SQLite's default, leaving 43% of the file empty; 16 KiB
/// pages hold seven: the file is 15% smaller and `switchyard seed` 15% faster at a million
/// calls (bench/README.md). An existing file keeps its page size (`VACUUM` would change it).
const PAGE_SIZE: u32 = 16 * 1024;
/// Page cache of a bulk load's writer, in KiB (SQLite's default is 2 MiB): the indexes'
/// pages that a load keeps inserting into stay in memory.
const BULK_LOAD_CACHE_KIB: u32 = 256 * 1024;

#[derive(Clone, Debug)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    direct: reads::ReadPool,
    group_commit: group_commit::GroupCommit,
    counts: std::sync::Arc<call_counts::CountCache>,
    /// Turns for the reads that walk many rows (reads.rs), `LONG_READS` at a time.
    long_reads: std::sync::Arc<tokio::sync::Semaphore>,
}

impl SqliteStore {
    /// Opens (creating it and its parent directories if needed) the database file at `path`.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, "FULL", None).await
    }

    /// As [`open`](Self::open), tuned for one process writing many rows (`switchyard
    /// seed`), and only in that process's connections: a commit does not wait for the disk
    /// (`synchronous=NORMAL`: a power cut may lose the last commits, never corrupts the
    /// file) and the writer keeps a large page cache. A server using the same file keeps
    /// its own settings.
    pub async fn open_for_bulk_load(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, "NORMAL", Some(BULK_LOAD_CACHE_KIB)).await
    }

    /// As [`open`](Self::open), for a sandbox server (`serve --sandbox`, integrators' CI):
    /// a commit does not wait for the disk (`synchronous=NORMAL`). A crash of the process
    /// loses nothing; a power cut may lose the last commits, never corrupts the file. An
    /// advance of a test clock commits at every instant it stops at, and waiting for the
    /// disk each time made it twice as slow (bench/README.md, "Test clocks").
    pub async fn open_for_sandbox(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, "NORMAL", None).await
    }

    async fn open_with(
        path: &Path,
        synchronous: &'static str,
        writer_cache_kib: Option<u32>,
    ) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(support::backend)?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous.parse().map_err(support::backend)?)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let mut writer = options.clone().optimize_on_close(true, ANALYSIS_LIMIT);
        if let Some(kib) = writer_cache_kib {
            writer = writer.pragma("cache_size", format!("-{kib}"));
        }
        // The writer first: it creates the file and switches it to WAL. It also refreshes the
        // planner's statistics (`PRAGMA optimize`) when its connection is recycled.
        // A pooled SQLite connection cannot go stale the way a network one can: no ping (a
        // hand-off to the connection's thread and back) before every use.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(writer)
            .await
            .map_err(support::backend)?;
        let read = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(support::backend)?;
        let direct = reads::open_pool(path, DIRECT_READ_CONNECTIONS, BUSY_TIMEOUT)?;
        let review_writer = group_commit::Writer {
            path: path.to_owned(),
            synchronous,
            busy_timeout: BUSY_TIMEOUT,
        };
        Ok(SqliteStore {
            read,
            group_commit: group_commit::GroupCommit::start(review_writer, write.clone())?,
            write,
            direct,
            counts: Default::default(),
            long_reads: std::sync::Arc::new(tokio::sync::Semaphore::new(LONG_READS)),
        })
    }

    /// Brings the schema up to date (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations")
            .run(&self.write)
            .await
            .map_err(support::backend)
    }
}

impl Backend for SqliteStore {
    /// Row locks: a write transaction (`BEGIN IMMEDIATE`) already holds the whole database.
    const FOR_UPDATE: &'static str = "";
    /// SQLite has one writer at a time, so a claim never races another.
    const SKIP_LOCKED: &'static str = "";
    /// A page filtered on several statuses merges one index walk per status and fetches
    /// its calls by the row's own key, one B-tree search less than its id.
    const STATUS_WALKS_FETCH_BY: Option<&'static str> = Some("rowid");
    const PLAN_EACH_SEARCH: bool = false;
    const SEARCH_TRIGRAMS: Option<&'static str> = Some("calls_search");

    fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// Begun on a task of its own: `begin_with` is not cancel-safe. A caller dropped after
    /// `BEGIN` ran but before the transaction object existed (a client that went away) would
    /// return the one write connection to the pool inside a transaction, and every later
    /// write would fail. The task always finishes; a transaction nobody takes is dropped,
    /// which rolls it back.
    async fn write_tx(&self) -> StoreResult<support::Tx> {
        let pool = self.write.clone();
        tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await })
            .await
            .map_err(support::backend)?
            .map_err(support::backend)
    }

    /// sqlx's pools and the direct reads' (reads.rs) together.
    fn pool_stats(&self) -> PoolStats {
        let direct = self.direct.state();
        PoolStats {
            open: self.read.size() + self.write.size() + direct.connections,
            idle: (self.read.num_idle() + self.write.num_idle()) as u32 + direct.idle_connections,
        }
    }

    /// One server per SQLite file: its engine is woken in-process, nobody else listens.
    async fn announce_work(_conn: &mut support::Conn) -> StoreResult<()> {
        Ok(())
    }

    /// Nothing to listen to (see `announce_work`); the engine polls for the CLI's calls.
    async fn wait_for_work(&self) {
        std::future::pending().await
    }

    /// One server per database file: its own feed has every change.
    async fn announce_call_changes(&self, _changes: &[String]) -> StoreResult<()> {
        Ok(())
    }

    async fn wait_for_call_changes(&self) -> Vec<String> {
        std::future::pending().await
    }

    /// Review writes share commits (group_commit.rs).
    async fn review_write(
        &self,
        org: OrgId,
        call: CallId,
        write: call_children::ReviewWrite,
    ) -> StoreResult<switchyard_core::call_json::CallJson> {
        self.group_commit.write(org, call, write).await
    }

    /// On the calling thread, through rusqlite (reads.rs).
    async fn read_api_key(&self, prefix: &str) -> StoreResult<Option<KeyOwner>> {
        reads::find_api_key(self, prefix).await
    }

    async fn read_call<C: FromStored>(&self, org: OrgId, id: CallId) -> StoreResult<C> {
        reads::get_call(self, org, id).await
    }

    async fn read_calls<C: FromStored>(
        &self,
        org: OrgId,
        query: &CallQuery,
    ) -> StoreResult<CallList<C>> {
        reads::list_calls(self, org, query).await
    }
}

include!("../../store-common/mod.rs");
mod call_counts;
mod group_commit;
#[cfg(all(test, target_os = "linux"))]
mod page_cache_tests;
mod reads;
