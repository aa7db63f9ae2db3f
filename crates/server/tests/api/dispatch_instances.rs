//! Two engine instances on one database (the multi-instance deployment on PostgreSQL; on
//! SQLite the single writer serializes them) dispatch a queue of calls between them, each
//! call exactly once.

use crate::common::TestDatabase;
use crate::common::fixtures::{call, create_org, use_case};
use crate::harness::{START, test_engine_config};
use std::sync::Arc;
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::{CallFilter, CallQuery};
use switchyard_core::time::{ManualClock, Timestamp};
use switchyard_core::Clock;
use switchyard_engine::analysis::builtin::BuiltinAnalyzer;
use switchyard_engine::blob::FsBlobStore;
use switchyard_engine::config::EngineConfig;
use switchyard_engine::sim::SimNetwork;
use switchyard_engine::{Engine, EngineParts};

crate::backend_tests!(two_instances_dispatch_each_call_exactly_once);

const ORGS: usize = 4;
const CALLS_PER_ORG: usize = 500;

async fn two_instances_dispatch_each_call_exactly_once(db: TestDatabase) {
    let store = db.store.clone();
    let clock = Arc::new(ManualClock::new(Timestamp::parse(START).unwrap()));
    let blobs = tempfile::tempdir().unwrap();
    let mut orgs = Vec::new();
    for o in 0..ORGS {
        let org = create_org(store.as_ref(), &format!("Org {o}"), &format!("boss@org{o}.test")).await;
        let sales = use_case(org.id(), "Sales", clock.now());
        store.insert_use_case(&sales).await.unwrap();
        let calls: Vec<_> = (0..CALLS_PER_ORG).map(|_| call(org.id(), &sales, clock.now())).collect();
        store.insert_calls(org.id(), &calls, None, None).await.unwrap();
        orgs.push(org.id());
    }
    let engine = |name: &str| {
        Arc::new(
            Engine::new(EngineParts {
                store: store.clone(),
                clock: clock.clone(),
                provider: Arc::new(SimNetwork),
                analyzer: Arc::new(BuiltinAnalyzer),
                blobs: Arc::new(FsBlobStore::new(blobs.path())),
                config: EngineConfig { concurrency_per_org: 1_000, ..test_engine_config() },
                instance: name.to_owned(),
            })
            .unwrap(),
        )
    };
    let (a, b) = (engine("instance-a"), engine("instance-b"));
    let (ra, rb) = tokio::join!(
        tokio::spawn({
            let a = a.clone();
            async move { a.run_due().await }
        }),
        tokio::spawn({
            let b = b.clone();
            async move { b.run_due().await }
        }),
    );
    let (ra, rb) = (ra.unwrap().unwrap(), rb.unwrap().unwrap());
    assert_eq!(ra.dispatched + rb.dispatched, ORGS * CALLS_PER_ORG, "{ra:?} {rb:?}");

    for org in orgs {
        let query = CallQuery { filter: CallFilter::default(), sort: Default::default(), limit: 2000, skip: 0 };
        let calls = store.list_calls(org, &query).await.unwrap().calls;
        assert_eq!(calls.len(), CALLS_PER_ORG);
        for c in calls {
            assert_eq!(c.status, CallStatus::Initiated);
            let logs = store.call_logs(org, c.id).await.unwrap();
            let dispatches: Vec<_> = logs.iter().filter(|l| l.message.starts_with("Queued -> Initiated")).collect();
            assert_eq!(dispatches.len(), 1, "call {} dispatched {} times", c.id, dispatches.len());
            let placed = logs.iter().filter(|l| l.event == "provider").count();
            assert_eq!(placed, 1, "call {} placed {placed} times", c.id);
        }
    }
}
