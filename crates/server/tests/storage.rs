//! The storage conformance suite: every `Store` behaviour the server relies on, checked
//! through `Arc<dyn Store>` only, on SQLite and (when `SWITCHYARD_TEST_POSTGRES_URL` is set)
//! on PostgreSQL. The cases live in `storage/`; shared helpers are here.

mod common;

#[path = "storage/call_changes.rs"]
mod call_changes;
#[path = "storage/calls.rs"]
mod calls;
#[path = "storage/cancellation.rs"]
mod cancellation;
#[path = "storage/catalog.rs"]
mod catalog;
#[path = "storage/counts.rs"]
mod counts;
#[path = "storage/dashboard.rs"]
mod dashboard;
#[path = "storage/keys_secrets.rs"]
mod keys_secrets;
#[path = "storage/review_queue.rs"]
mod review_queue;
#[path = "storage/sandbox_reset.rs"]
mod sandbox_reset;
#[path = "storage/search.rs"]
mod search;
#[path = "storage/sessions.rs"]
mod sessions;
#[path = "storage/webhook_faults.rs"]
mod webhook_faults;
#[path = "storage/webhooks.rs"]
mod webhooks;

use common::fixtures::{START, at, call, create_org, start_plus, use_case};
use switchyard_core::auth::IdempotencyRecord;
use switchyard_core::call::{Call, Note, Rating};
use switchyard_core::call_query::{CallFilter, CallQuery};
use switchyard_core::campaign::{Campaign, RetryRule};
use switchyard_core::enums::{Emoji, Role, SortOrder};
use switchyard_core::org::Member;
use switchyard_core::store::{Store, StoreError};
use switchyard_core::{CallId, Id, NoteId, OrgId};

fn member(email: &str, role: Role) -> Member {
    Member {
        email: email.to_owned(),
        role,
    }
}

fn note(content: &str, id: NoteId) -> Note {
    Note {
        id,
        user_id: "owner@acme.test".to_owned(),
        content: content.to_owned(),
        flagged: false,
        created_at: at(START),
        updated_at: None,
    }
}

fn rating(emoji: Emoji, email: &str, seconds: i64) -> Rating {
    Rating {
        emoji,
        email: email.to_owned(),
        created: start_plus(seconds),
    }
}

fn query(filter: CallFilter, sort: SortOrder) -> CallQuery {
    CallQuery {
        filter,
        sort,
        limit: 2000,
        skip: 0,
        after: None,
    }
}

fn ids(calls: &[Call]) -> Vec<CallId> {
    calls.iter().map(|c| c.id).collect()
}

fn is_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::NotFound(_)))
}

fn is_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::Conflict(ref m)) if !m.is_empty())
}

fn campaign(org: OrgId, name: &str) -> Campaign {
    Campaign {
        id: Id::new(at(START)),
        organization_id: org,
        name: Some(name.to_owned()),
        retry_logic: vec![RetryRule {
            query: "Busy,No answer".to_owned(),
            retry_period: 30,
            max_retry_per_day: 2,
        }],
        max_retries: 3,
        created_at: at(START),
    }
}

fn idempotency(key: &str, body: &str) -> IdempotencyRecord {
    IdempotencyRecord {
        key: key.to_owned(),
        request_hash: format!("hash-of-{body}"),
        status: 200,
        body: body.to_owned(),
        created_at: at(START),
    }
}

async fn count_calls(store: &dyn Store, org: OrgId) -> u64 {
    let page = CallQuery {
        filter: CallFilter::default(),
        sort: SortOrder::Desc,
        limit: 1,
        skip: 0,
        after: None,
    };
    store.list_calls(org, &page).await.unwrap().count
}

/// An organization with one use case and one call, plus another organization.
async fn one_call(store: &dyn Store) -> (OrgId, OrgId, Call) {
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let sales = use_case(acme.id(), "Sales", at(START));
    let mut c = call(acme.id(), &sales, at(START));
    c.metadata.tags = vec!["solo".into()];
    store
        .insert_calls(acme.id(), &[c.clone()], None, None)
        .await
        .unwrap();
    (acme.id(), globex.id(), c)
}

/// Another store on the test's database, as another process (the CLI, a replica) opens it.
async fn second_store(db: &common::TestDatabase) -> std::sync::Arc<dyn Store> {
    match db.backend {
        common::Backend::Sqlite => {
            let path = db.sqlite_path.as_ref().unwrap();
            let store = switchyard_store_sqlite::SqliteStore::open(path)
                .await
                .unwrap();
            store.migrate().await.unwrap();
            std::sync::Arc::new(store)
        }
        common::Backend::Postgres => {
            let (url, schema) = db.postgres.clone().unwrap();
            let store = switchyard_store_postgres::PostgresStore::connect_in_schema(&url, &schema)
                .await
                .unwrap();
            store.migrate().await.unwrap();
            std::sync::Arc::new(store)
        }
    }
}
