//! The reads every API request makes (its key, a call, a page of calls), run on the calling
//! thread over SQLite's C API (rusqlite) instead of through sqlx. sqlx gives each SQLite
//! connection a worker thread, and every statement, every row and every pool check is a
//! hand-off to it and back: 55% of a `GET /calls/{id}`'s time, where SQLite itself took 10%
//! (bench/README.md). A point read or a page of up to 50 calls takes tens to hundreds of
//! microseconds, less than those hand-offs cost, so it runs in place. A read that walks
//! many rows (counting a million calls, a deep OFFSET) or returns many runs under
//! `block_in_place`, which first moves the runtime's other tasks to another thread.
//!
//! The SQL and the row decoding are the ones the PostgreSQL store runs (store-common).

use crate::ThisStore;
use crate::call_counts::{CountCache, filter_key};
use crate::call_filters::{Bound, SearchBy, SqlSink, trigram_search};
use crate::calls_read::{
    Columns, PageRow, call_from_parts, calls_of, in_order, page_ids, page_row, part_of,
    push_child_rows, push_count, push_page, reversed,
};
use crate::orgs_keys::{FIND_KEY, key_owner_of};
use crate::support::backend;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params_from_iter};
use std::path::Path;
use std::time::Duration;
use switchyard_core::auth::KeyOwner;
use switchyard_core::call_json::FromStored;
use switchyard_core::call_query::{CallFilter, CallList, CallQuery};
use switchyard_core::enums::SortOrder;
use switchyard_core::id::{CallId, OrgId};
use switchyard_core::store::StoreResult;
use tokio::runtime::{Handle, RuntimeFlavor};

/// Read-only connections to one database file, opened as they are first needed.
pub(crate) type ReadPool = r2d2::Pool<SqliteConnectionManager>;

pub(crate) fn open_pool(path: &Path, size: u32, busy_timeout: Duration) -> StoreResult<ReadPool> {
    let manager = SqliteConnectionManager::file(path)
        .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_init(move |conn| conn.busy_timeout(busy_timeout));
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(busy_timeout)
        // A pooled SQLite connection cannot go stale the way a network one can.
        .test_on_check_out(false)
        .build(manager)
        .map_err(backend)
}

pub(crate) async fn find_api_key(store: &ThisStore, prefix: &str) -> StoreResult<Option<KeyOwner>> {
    let conn = store.direct.get().map_err(backend)?;
    let mut sql = Sql::default();
    sql.push(FIND_KEY);
    sql.values.push(Value::Text(prefix.to_owned()));
    Ok(sql.rows(&conn, |row| key_owner_of(row))?.pop())
}

pub(crate) async fn get_call<C: FromStored>(
    store: &ThisStore,
    org: OrgId,
    id: CallId,
) -> StoreResult<C> {
    let conn = store.direct.get().map_err(backend)?;
    read_call(&conn, org, id)
}

/// The organization's call `id` as `conn` sees it (also inside a write: group_commit.rs).
pub(crate) fn read_call<C: FromStored>(
    conn: &Connection,
    org: OrgId,
    id: CallId,
) -> StoreResult<C> {
    let mut sql = Sql::default();
    push_child_rows(&mut sql, &[id], Some(org));
    call_from_parts(id, sql.rows(conn, |row| part_of(row))?)
}

pub(crate) async fn list_calls<C: FromStored>(
    store: &ThisStore,
    org: OrgId,
    query: &CallQuery,
) -> StoreResult<CallList<C>> {
    let mut turn = None;
    loop {
        if let Some(list) = list_now(store, org, query, turn.is_some())? {
            return Ok(list);
        }
        // A long read without a turn: wait for one holding no connection, then look again.
        turn = Some(store.long_reads.acquire().await.map_err(backend)?);
    }
}

/// The page, unless it takes long and the caller has no turn (`LONG_READS`) to read it.
fn list_now<C: FromStored>(
    store: &ThisStore,
    org: OrgId,
    query: &CallQuery,
    has_turn: bool,
) -> StoreResult<Option<CallList<C>>> {
    let mut conn = store.direct.get().map_err(backend)?;
    // One read transaction: the version, the count and the page see the same snapshot.
    let snapshot = conn.transaction().map_err(backend)?;
    let count = cached_count(&snapshot, &store.counts, org, &query.filter)?;
    let long = takes_long(query, count.cached);
    let read = || read_page(&snapshot, &store.counts, org, query, count);
    // A page of up to 50 calls takes well under a millisecond and is read right here
    // (handing it to another thread cost a third of the page-of-50 rate and most of its
    // p99). Counting, an OFFSET far from both ends, or a large page takes longer: that is
    // done off the runtime, whose thread would otherwise stop answering, even with a 503.
    match (long, has_turn) {
        (false, _) => read().map(Some),
        (true, true) => off_the_runtime(read).map(Some),
        (true, false) => Ok(None),
    }
}

/// Rows an OFFSET may walk, and calls a page may hold, for the read to be done in place.
const MANY_ROWS: u64 = 5_000;
const MANY_CALLS: u32 = 50;

fn takes_long(query: &CallQuery, cached: Option<u64>) -> bool {
    query.limit > MANY_CALLS
        || match (cached, query.after) {
            (None, _) => true,
            (Some(_), Some(_)) => false,
            (Some(count), None) => query.skip.min(count.saturating_sub(query.skip)) > MANY_ROWS,
        }
}

fn read_page<C: FromStored>(
    conn: &Connection,
    counts: &CountCache,
    org: OrgId,
    query: &CallQuery,
    count: CachedCount,
) -> StoreResult<CallList<C>> {
    let count = match count.cached {
        Some(count) => count,
        None => count_now(conn, counts, org, &query.filter, count)?,
    };
    if query.limit == 0 || (query.after.is_none() && query.skip >= count) {
        return Ok(CallList::empty(count));
    }
    let limit = u64::from(query.limit);
    let rows = if query.after.is_none() && query.skip > count / 2 {
        // OFFSET walks every skipped row, so a page past the middle is read backwards from
        // the last match: the deepest page then costs what the first one does. `count`
        // is of this snapshot, so the page found from the end is the one asked for.
        let limit = limit.min(count - query.skip);
        let from_end = count - query.skip - limit;
        let mut rows = page(
            conn,
            org,
            query,
            reversed(query.sort),
            (from_end, limit),
            count,
        )?;
        rows.reverse();
        rows
    } else {
        page(conn, org, query, query.sort, (query.skip, limit), count)?
    };
    if rows.is_empty() {
        return Ok(CallList::empty(count));
    }
    let mut sql = Sql::default();
    push_child_rows(&mut sql, &page_ids(&rows), None);
    Ok(CallList {
        calls: calls_of(&rows, sql.rows(conn, |row| part_of(row))?)?,
        count,
        last: rows.last().map(|row| row.key),
    })
}

/// How a `search` page with `count` matches is found, from measurements at a million
/// calls (bench/README.md, "Search"): up to `SORTED_SEARCH_MATCHES` matches, led by the
/// trigram index and all sorted (about 15 µs a match); up to `CHECKED_SEARCH_MATCHES`,
/// the newest-first walk checks each call against the index's rows (an index entry for
/// each call in between, plus reading the index's rows for the needle); beyond, the walk
/// alone, which meets a match every few calls (reading the index's rows would cost more).
const SORTED_SEARCH_MATCHES: u64 = 1_000;
const CHECKED_SEARCH_MATCHES: u64 = 100_000;

/// Up to this many calls holding a needle's trigrams (in any organization), a count is
/// led by the trigram index; beyond, it scans the organization's calls, which costs about
/// a tenth as much per call (bench/README.md, "Search").
const COUNTED_BY_TRIGRAMS: i64 = 150_000;

/// How a count finds `filter`'s `search`: a look at how many calls the trigram index
/// holds for it, which stops at `COUNTED_BY_TRIGRAMS` (15 ms for 200,000).
fn count_by(conn: &Connection, filter: &CallFilter) -> StoreResult<SearchBy> {
    let needle = filter.search.as_deref().unwrap_or_default();
    let Some((table, query)) = trigram_search(needle, SearchBy::TrigramsFirst) else {
        return Ok(SearchBy::Scan);
    };
    let sql =
        format!("SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH ?1 LIMIT ?2)");
    let candidates: i64 = conn
        .prepare_cached(&sql)
        .and_then(|mut statement| {
            statement.query_row(rusqlite::params![query, COUNTED_BY_TRIGRAMS], |row| {
                row.get(0)
            })
        })
        .map_err(backend)?;
    Ok(if candidates < COUNTED_BY_TRIGRAMS {
        SearchBy::TrigramsFirst
    } else {
        SearchBy::Scan
    })
}

/// The calls `skip`, `limit` of `query`, which has `count` matches.
fn page(
    conn: &Connection,
    org: OrgId,
    query: &CallQuery,
    sort: SortOrder,
    (skip, limit): (u64, u64),
    count: u64,
) -> StoreResult<Vec<PageRow>> {
    let by = if query.filter.search.is_none() || count > CHECKED_SEARCH_MATCHES {
        SearchBy::Scan
    } else if count > SORTED_SEARCH_MATCHES {
        SearchBy::TrigramsInWalk
    } else {
        SearchBy::TrigramsFirst
    };
    let mut sql = Sql::default();
    push_page(&mut sql, org, query, sort, skip, limit, by);
    Ok(in_order(sql.rows(conn, |row| page_row(row))?, sort))
}

/// The organization's `calls_version` (bumped by triggers, migration 0005) and, if the
/// cache has it for that version, how many of its calls match the filter.
struct CachedCount {
    version: i64,
    key: String,
    cached: Option<u64>,
}

fn cached_count(
    conn: &Connection,
    counts: &CountCache,
    org: OrgId,
    filter: &CallFilter,
) -> StoreResult<CachedCount> {
    let version: i64 = conn
        .prepare_cached("SELECT calls_version FROM organizations WHERE id = ?")
        .and_then(|mut statement| {
            statement
                .query_row([org.to_string()], |row| row.get(0))
                .optional()
        })
        .map_err(backend)?
        .unwrap_or_default();
    let key = filter_key(filter);
    let cached = counts.get(org, &key, version);
    Ok(CachedCount {
        version,
        key,
        cached,
    })
}

/// Counts the matches and remembers the count for the version it was taken at.
fn count_now(
    conn: &Connection,
    counts: &CountCache,
    org: OrgId,
    filter: &CallFilter,
    cached: CachedCount,
) -> StoreResult<u64> {
    let mut sql = Sql::default();
    push_count(&mut sql, org, filter, count_by(conn, filter)?);
    let [count] = sql
        .rows(conn, |row| Ok(row.int("COUNT(*)")?.unwrap_or(0)))?
        .try_into()
        .map_err(|_| backend("COUNT(*) gave other than one row"))?;
    let count = u64::try_from(count).unwrap_or(0);
    counts.put(org, cached.key, cached.version, count);
    Ok(count)
}

/// Runs `read` on this thread. On a multi-thread runtime, `block_in_place` first hands this
/// worker's other tasks to another thread; a current-thread runtime (tests) just waits.
fn off_the_runtime<T>(read: impl FnOnce() -> T) -> T {
    match Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(read)
        }
        _ => read(),
    }
}

/// A statement built by the shared SQL builders, with its bound values.
#[derive(Default)]
pub(crate) struct Sql {
    text: String,
    values: Vec<Value>,
}

impl SqlSink for Sql {
    fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    fn push_bind(&mut self, value: impl Into<Bound>) -> &mut Self {
        self.text.push('?');
        self.values.push(match value.into() {
            Bound::Text(text) => Value::Text(text),
            Bound::Int(int) => Value::Integer(int),
            Bound::Bool(boolean) => Value::Integer(boolean.into()),
        });
        self
    }
}

impl Sql {
    /// Runs a statement that returns no rows; how many rows it changed.
    pub(crate) fn execute(&self, conn: &Connection) -> StoreResult<usize> {
        let mut statement = conn.prepare_cached(&self.text).map_err(backend)?;
        statement
            .execute(params_from_iter(&self.values))
            .map_err(backend)
    }

    /// Every row, decoded. The statement is kept prepared on the connection for next time.
    pub(crate) fn rows<T>(
        &self,
        conn: &Connection,
        mut decode: impl FnMut(&DirectRow<'_, '_>) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let mut statement = conn.prepare_cached(&self.text).map_err(backend)?;
        let names: Vec<String> = statement
            .column_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut rows = statement
            .query(params_from_iter(&self.values))
            .map_err(backend)?;
        let mut decoded = Vec::new();
        while let Some(row) = rows.next().map_err(backend)? {
            decoded.push(decode(&DirectRow { row, names: &names })?);
        }
        Ok(decoded)
    }
}

/// A row rusqlite fetched, read by the shared decoders.
pub(crate) struct DirectRow<'r, 's> {
    row: &'r Row<'s>,
    /// The statement's column names, read once for all its rows: rusqlite finds a column
    /// by name asking SQLite for every name and comparing them case-insensitively, a
    /// twentieth of the server's time adding a note to a call with twenty (bench/README.md).
    names: &'r [String],
}

impl DirectRow<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, column: &str) -> StoreResult<T> {
        match self.names.iter().position(|name| name == column) {
            Some(index) => self.row.get(index),
            None => self.row.get(column),
        }
        .map_err(backend)
    }
}

impl Columns for DirectRow<'_, '_> {
    fn text(&self, column: &str) -> StoreResult<Option<String>> {
        self.get(column)
    }

    fn int(&self, column: &str) -> StoreResult<Option<i64>> {
        self.get(column)
    }

    fn boolean(&self, column: &str) -> StoreResult<bool> {
        self.get(column)
    }
}
