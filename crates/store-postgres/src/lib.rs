//! The [`Store`](switchyard_core::store::Store) over PostgreSQL.
//!
//! Only the connection setup lives here; the SQL and row mapping are shared with the
//! SQLite store (crates/store-common, compiled into this crate with `include!`).

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor};
use std::str::FromStr;
use std::time::Duration;
use switchyard_core::store::{StoreError, StoreResult};

type Db = sqlx::Postgres;
type ThisStore = PostgresStore;

const MAX_CONNECTIONS: u32 = 10;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    /// The connection the engine listens on, opened on first use.
    listener: std::sync::Arc<tokio::sync::Mutex<Option<PgListener>>>,
    /// The connection the live feed's relay listens on, opened on first use.
    change_listener: std::sync::Arc<tokio::sync::Mutex<Option<PgListener>>>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`).
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(support::backend)?;
        Self::with_options(options).await
    }

    /// Connects to `url` with every table in `schema` (created if missing): each pooled
    /// connection starts with `search_path` set to it. Lets tests share one database.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<PostgresStore, StoreError> {
        if schema.is_empty()
            || !schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(support::backend(format!(
                "`{schema}` is not a schema name: use lowercase letters, digits and `_`"
            )));
        }
        let options = PgConnectOptions::from_str(url).map_err(support::backend)?;
        let mut conn = options.connect().await.map_err(support::backend)?;
        conn.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str())
            .await
            .map_err(support::backend)?;
        conn.close().await.map_err(support::backend)?;
        Self::with_options(options.options([("search_path", schema)])).await
    }

    async fn with_options(options: PgConnectOptions) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(support::backend)?;
        Ok(PostgresStore {
            pool,
            listener: Default::default(),
            change_listener: Default::default(),
        })
    }

    /// Brings the schema up to date (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .map_err(support::backend)
    }
}

impl Backend for PostgresStore {
    /// Holds a row read in a write transaction until it ends.
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    /// Instances sharing the database claim disjoint rows instead of waiting on each other.
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    /// A page filtered on several statuses does not merge one index walk per status here:
    /// PostgreSQL 15 plans that `UNION ALL` as an Append of both walks and a sort of every
    /// match, not a Merge Append: 30 ms against 0.08 ms for the single walk, 200,000 calls
    /// (docs/ARCHITECTURE.md).
    const STATUS_WALKS_FETCH_BY: Option<&'static str> = None;
    const PLAN_EACH_SEARCH: bool = true;
    const SEARCH_TRIGRAMS: Option<&'static str> = None;

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    /// Begun on a task of its own, as on SQLite: `begin` is not cancel-safe, and a caller
    /// dropped half-way must not leave a pooled connection inside a transaction.
    async fn write_tx(&self) -> StoreResult<support::Tx> {
        let pool = self.pool.clone();
        tokio::spawn(async move { pool.begin().await })
            .await
            .map_err(support::backend)?
            .map_err(support::backend)
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            open: self.pool.size(),
            idle: self.pool.num_idle() as u32,
        }
    }

    /// Tells every instance's engine (through `LISTEN`) that there is new work, when the
    /// transaction commits.
    async fn announce_work(conn: &mut support::Conn) -> StoreResult<()> {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(WORK_CHANNEL)
            .execute(&mut *conn)
            .await
            .map_err(support::backend)?;
        Ok(())
    }

    /// Resolves when some instance announced work (or the listening connection failed, in
    /// which case the engine falls back on polling and the next call reconnects).
    async fn wait_for_work(&self) {
        let mut slot = self.listener.lock().await;
        if slot.is_none() {
            match PgListener::connect_with(&self.pool).await {
                Ok(mut listener) => match listener.listen(WORK_CHANNEL).await {
                    Ok(()) => *slot = Some(listener),
                    Err(error) => tracing::warn!(%error, "cannot LISTEN for engine work; polling"),
                },
                Err(error) => tracing::warn!(%error, "cannot LISTEN for engine work; polling"),
            }
        }
        let Some(listener) = slot.as_mut() else {
            return std::future::pending().await;
        };
        if let Err(error) = listener.recv().await {
            tracing::warn!(%error, "lost the LISTEN connection; reconnecting");
            *slot = None;
        }
    }

    /// One `NOTIFY` per change (a payload under PostgreSQL's 8,000 bytes: the feed sends
    /// a shorter stand-in for a longer one).
    async fn announce_call_changes(&self, changes: &[String]) -> StoreResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut qb = sqlx::QueryBuilder::new("SELECT pg_notify(c, p) FROM (VALUES ");
        let mut rows = qb.separated(", ");
        for change in changes {
            rows.push("(")
                .push_bind_unseparated(CHANGES_CHANNEL)
                .push_unseparated(", ")
                .push_bind_unseparated(change.as_str())
                .push_unseparated(")");
        }
        qb.push(") AS n (c, p)");
        qb.build()
            .execute(&self.pool)
            .await
            .map_err(support::backend)?;
        Ok(())
    }

    /// As `wait_for_work`: a lost connection is reopened on the next call (the changes
    /// announced meanwhile are lost). An empty answer when it has just started listening.
    async fn wait_for_call_changes(&self) -> Vec<String> {
        let mut slot = self.change_listener.lock().await;
        if slot.is_none() {
            match PgListener::connect_with(&self.pool).await {
                Ok(mut listener) => match listener.listen(CHANGES_CHANNEL).await {
                    // Listening from now on: said with an empty answer.
                    Ok(()) => {
                        *slot = Some(listener);
                        return Vec::new();
                    }
                    Err(error) => tracing::warn!(%error, "cannot LISTEN for call changes"),
                },
                Err(error) => tracing::warn!(%error, "cannot LISTEN for call changes"),
            }
        }
        let Some(listener) = slot.as_mut() else {
            drop(slot);
            // Try again in a while rather than spin.
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            return Vec::new();
        };
        // One at a time: sqlx's `try_recv` waits for the next one too.
        match listener.recv().await {
            Ok(change) => vec![change.payload().to_owned()],
            Err(error) => {
                tracing::warn!(%error, "lost the LISTEN connection for call changes; reconnecting");
                *slot = None;
                Vec::new()
            }
        }
    }

    /// Each review write in a transaction of its own (review_writes.rs).
    async fn review_write(
        &self,
        org: OrgId,
        call: CallId,
        write: call_children::ReviewWrite,
    ) -> StoreResult<switchyard_core::call_json::CallJson> {
        review_writes::review_write(self, org, call, write).await
    }

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

/// The `NOTIFY` channel on which new calls and stops wake the engines.
const WORK_CHANNEL: &str = "switchyard_engine_work";
/// The `NOTIFY` channel of the live feed's call changes (docs/WEB.md, "Live updates").
const CHANGES_CHANNEL: &str = "switchyard_call_changes";

include!("../../store-common/mod.rs");
mod reads;
mod review_writes;
