// The backend-independent half of both stores, included by
// crates/store-sqlite/src/lib.rs and crates/store-postgres/src/lib.rs (see README.md).
// Before including it, a backend names its database and its store type:
//   type Db = sqlx::Sqlite | sqlx::Postgres;
//   type ThisStore = <its store type>;
// and implements `Backend` (below) for that type; the compiler then holds every backend to
// the same hooks. Each module below implements one of the core `Store` traits for
// `ThisStore`, in the backend's own terms.

use switchyard_core::call_json::FromStored;
use switchyard_core::id::{CallId, OrgId};
use switchyard_core::auth::KeyOwner;
use switchyard_core::store::PoolStats;
use switchyard_core::call_query::{CallList, CallQuery};

/// What a backend provides to the shared SQL: how it reads and writes, what its dialect
/// needs, and the reads every API request makes, which each backend runs its own way.
#[allow(async_fn_in_trait)] // only ever called on the concrete store type
pub(crate) trait Backend {
    /// Appended to a read that must hold the row until the transaction ends (`""` where
    /// the single writer already holds the database).
    const FOR_UPDATE: &'static str;
    /// Appended to the engine's claim queries, so that instances sharing the database
    /// claim disjoint rows instead of waiting on each other.
    const SKIP_LOCKED: &'static str;
    /// Whether a page on several statuses merges one index walk per status, and the
    /// column by which it then fetches the calls (calls_read.rs, `push_keyed_page`).
    const STATUS_WALKS_FETCH_BY: Option<&'static str>;
    /// The FTS5 trigram table whose rowids narrow a `search` before its LIKE (SQLite,
    /// migration 0015); `None` where the LIKE itself uses a trigram index (pg_trgm).
    const SEARCH_TRIGRAMS: Option<&'static str>;
    /// Whether a `search` pattern is written into its statement rather than bound, so that
    /// the planner sees it. PostgreSQL's plan for a bound pattern, once generic, assumes
    /// few matches and reads every match through the pg_trgm index even for a needle in
    /// every call (`+1`: 89 ms instead of 38 at 100,000 calls, bench/README.md "Search").
    const PLAN_EACH_SEARCH: bool;

    /// The pool for reads.
    fn reader(&self) -> &sqlx::Pool<Db>;
    /// A transaction for a write, begun so that a caller dropped half-way leaves no pooled
    /// connection inside it.
    async fn write_tx(&self) -> StoreResult<support::Tx>;
    /// Connections open and idle, every pool of the backend together.
    fn pool_stats(&self) -> PoolStats;
    /// Tells other engines sharing the database that there is new work, when `conn`'s
    /// transaction commits.
    async fn announce_work(conn: &mut support::Conn) -> StoreResult<()>;
    /// Resolves when another engine announced work; never, where there is nobody else.
    async fn wait_for_work(&self);
    /// Tells the other processes sharing the database about call changes (the live
    /// feed's, as text); nothing where there is nobody else.
    async fn announce_call_changes(&self, changes: &[String]) -> StoreResult<()>;
    /// The next call changes another process announced; never, where there is nobody else.
    async fn wait_for_call_changes(&self) -> Vec<String>;
    /// Runs a note, rating or view write (call_children.rs) and reads the call back.
    async fn review_write(
        &self,
        org: OrgId,
        call: CallId,
        write: call_children::ReviewWrite,
    ) -> StoreResult<switchyard_core::call_json::CallJson>;

    /// The key with this prefix and its member's role (the lookup of every request).
    async fn read_api_key(&self, prefix: &str) -> StoreResult<Option<KeyOwner>>;
    /// One call, as a `Call` or as its wire JSON.
    async fn read_call<C: FromStored>(&self, org: OrgId, id: CallId) -> StoreResult<C>;
    /// A page of calls with its count.
    async fn read_calls<C: FromStored>(
        &self,
        org: OrgId,
        query: &CallQuery,
    ) -> StoreResult<CallList<C>>;
}

mod support {
    include!("support.rs");
}
mod docs {
    include!("docs.rs");
}
mod health {
    include!("health.rs");
}
mod orgs_keys {
    include!("orgs_keys.rs");
}
mod sessions {
    include!("sessions.rs");
}
mod agents {
    include!("agents.rs");
}
mod numbers {
    include!("numbers.rs");
}
mod prompts {
    include!("prompts.rs");
}
mod call_row {
    include!("call_row.rs");
}
mod call_filters {
    include!("call_filters.rs");
}
mod calls_read {
    include!("calls_read.rs");
}
mod calls_write {
    include!("calls_write.rs");
}
mod calls {
    include!("calls.rs");
}
mod call_children {
    include!("call_children.rs");
}
mod engine_calls {
    include!("engine_calls.rs");
}
mod engine_outbox {
    include!("engine_outbox.rs");
}
mod sandbox {
    include!("sandbox.rs");
}
mod webhook_ledger {
    include!("webhook_ledger.rs");
}
mod sandbox_reset {
    include!("sandbox_reset.rs");
}
mod scenarios {
    include!("scenarios.rs");
}
mod usage {
    include!("usage.rs");
}
mod dashboard {
    include!("dashboard.rs");
}
mod exports {
    include!("exports.rs");
}
