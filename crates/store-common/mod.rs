// The backend-independent half of both stores, included by
// crates/store-sqlite/src/lib.rs and crates/store-postgres/src/lib.rs (see README.md).
// Before including it, the backend defines:
//   type Db = sqlx::Sqlite | sqlx::Postgres;
//   type ThisStore = <its store type>;
//   impl ThisStore {
//       fn reader(&self) -> &sqlx::Pool<Db>;                        // for reads
//       async fn write_tx(&self) -> StoreResult<sqlx::Transaction<'static, Db>>;  // for writes
//       async fn announce_work(conn: &mut Conn) -> StoreResult<()>;  // wake other engines
//       async fn wait_for_work(&self);                               // woken by them
//       async fn review_write(&self, org: Id, call: Id, write: ReviewWrite)
//           -> StoreResult<CallJson>;                                // see call_children.rs
//   }
//   mod reads { get_call, list_calls, find_api_key }  // the hot reads, each backend its own way

mod support {
    include!("support.rs");
}
mod docs {
    include!("docs.rs");
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
mod call_children {
    include!("call_children.rs");
}
mod engine_calls {
    include!("engine_calls.rs");
}
mod engine_outbox {
    include!("engine_outbox.rs");
}
mod usage {
    include!("usage.rs");
}
mod exports {
    include!("exports.rs");
}

mod store_impl {
    use super::{
        ThisStore, agents, calls_read, calls_write, docs, engine_calls,
        engine_outbox, exports, numbers, orgs_keys, sessions, usage,
    };
    use crate::call_children::ReviewWrite;
    use crate::support::OrBackend;
    use switchyard_core::agent::Agent;
    use switchyard_core::auth::{ApiKeyRecord, IdempotencyRecord, KeyOwner, WebSession};
    use switchyard_core::call::{Call, Note, NoteAuthor, NotePatch, Rating};
    use switchyard_core::call_json::CallJson;
    use switchyard_core::campaign::Campaign;
    use switchyard_core::enums::{Emoji, Role, SortOrder};
    use switchyard_core::export::Export;
    use switchyard_core::number::Number;
    use switchyard_core::org::{Member, Organization};
    use switchyard_core::call_log::{LogEntry, NewLog};
    use switchyard_core::run::{CallRun, Lease};
    use switchyard_core::lifecycle::CallStatus;
    use switchyard_core::store::{CallFilter, CallList, CallProgress, CallQuery, PoolStats, StoreResult};
    use switchyard_core::transcript::{Transcript, TranscriptJson};
    use switchyard_core::usage::{UsageBucket, UseCaseUsage};
    use switchyard_core::webhook::{WebhookDelivery, WebhookOutcome};
    use switchyard_core::use_case::UseCase;
    use switchyard_core::{Id, Timestamp};

    include!("store_impl.rs");
}
