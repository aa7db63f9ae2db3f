//! Two engine instances on one database (the multi-instance deployment on PostgreSQL; on
//! SQLite the single writer serializes them) dispatch a queue of calls between them, each
//! call exactly once.

use crate::common::TestDatabase;
use crate::common::fixtures::{call, create_org, use_case};
use crate::harness::{START, test_engine_config};
use std::sync::Arc;
use switchyard_core::call_query::{CallFilter, CallQuery};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::time::{ManualClock, Timestamp};
use switchyard_core::{Clock, Clocks};
use switchyard_engine::analysis::builtin::BuiltinAnalyzer;
use switchyard_engine::blob::FsBlobStore;
use switchyard_engine::config::EngineConfig;
use switchyard_engine::sim::SimNetwork;
use switchyard_engine::{Engine, EngineParts};

crate::backend_tests!(
    two_instances_dispatch_each_call_exactly_once,
    a_claimed_call_never_placed_is_placed_by_the_next_instance,
);

const ORGS: usize = 4;
const CALLS_PER_ORG: usize = 500;

async fn two_instances_dispatch_each_call_exactly_once(db: TestDatabase) {
    let store = db.store.clone();
    let clock = Arc::new(ManualClock::new(Timestamp::parse(START).unwrap()));
    let blobs = tempfile::tempdir().unwrap();
    let mut orgs = Vec::new();
    for o in 0..ORGS {
        let org = create_org(
            store.as_ref(),
            &format!("Org {o}"),
            &format!("boss@org{o}.test"),
        )
        .await;
        let sales = use_case(org.id(), "Sales", clock.now());
        store.insert_use_case(&sales).await.unwrap();
        let calls: Vec<_> = (0..CALLS_PER_ORG)
            .map(|_| call(org.id(), &sales, clock.now()))
            .collect();
        store
            .insert_calls(org.id(), &calls, None, None)
            .await
            .unwrap();
        orgs.push(org.id());
    }
    let engine = |name: &str| {
        Arc::new(
            Engine::new(EngineParts {
                store: store.clone(),
                clock: Arc::new(Clocks::new(clock.clone())),
                provider: Arc::new(SimNetwork),
                analyzer: Arc::new(BuiltinAnalyzer),
                chat: None,
                blobs: Arc::new(FsBlobStore::new(blobs.path())),
                config: EngineConfig {
                    concurrency_per_org: 1_000,
                    ..test_engine_config()
                },
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
    assert_eq!(
        ra.dispatched + rb.dispatched,
        ORGS * CALLS_PER_ORG,
        "{ra:?} {rb:?}"
    );

    for org in orgs {
        let query = CallQuery {
            filter: CallFilter::default(),
            sort: Default::default(),
            limit: 2000,
            skip: 0,
            after: None,
        };
        let calls = store.list_calls(org, &query).await.unwrap().calls;
        assert_eq!(calls.len(), CALLS_PER_ORG);
        for c in calls {
            assert_eq!(c.status, CallStatus::Initiated);
            let logs = store.call_logs(org, c.id).await.unwrap();
            let dispatches: Vec<_> = logs
                .iter()
                .filter(|l| l.message.starts_with("Queued -> Initiated"))
                .collect();
            assert_eq!(
                dispatches.len(),
                1,
                "call {} dispatched {} times",
                c.id,
                dispatches.len()
            );
            let placed = logs.iter().filter(|l| l.event == "provider").count();
            assert_eq!(placed, 1, "call {} placed {placed} times", c.id);
        }
    }
}

/// On PostgreSQL a new call wakes every instance's engine through `LISTEN/NOTIFY`: an
/// engine whose next poll is an hour away dispatches a call another instance created.
#[tokio::test]
async fn a_new_call_wakes_engines_on_other_instances() {
    let Some(db) = crate::common::test_database(crate::common::Backend::Postgres).await else {
        return;
    };
    let store = db.store.clone();
    let clock = Arc::new(ManualClock::new(Timestamp::parse(START).unwrap()));
    let blobs = tempfile::tempdir().unwrap();
    let engine = Arc::new(
        Engine::new(EngineParts {
            store: store.clone(),
            clock: Arc::new(Clocks::new(clock.clone())),
            provider: Arc::new(SimNetwork),
            analyzer: Arc::new(BuiltinAnalyzer),
            chat: None,
            blobs: Arc::new(FsBlobStore::new(blobs.path())),
            config: EngineConfig {
                poll_interval: std::time::Duration::from_secs(3600),
                ..test_engine_config()
            },
            instance: "listening".to_owned(),
        })
        .unwrap(),
    );
    let org = create_org(store.as_ref(), "Org", "boss@org.test").await;
    let sales = use_case(org.id(), "Sales", clock.now());
    store.insert_use_case(&sales).await.unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let running = switchyard_engine::worker::spawn(engine.clone(), stop.clone());
    // This is about a real connection to another process, so it is bounded polling on the
    // real clock: first until the engine is listening, then until the call is dialed.
    let url = std::env::var(crate::common::POSTGRES_URL_VAR).unwrap();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut listening = false;
    while !listening && tokio::time::Instant::now() < deadline {
        let listeners: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %switchyard_engine_work%'",
        )
        .fetch_one(&mut admin)
        .await
        .unwrap();
        listening = listeners > 0;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(listening, "the engine never started listening");

    let new = call(org.id(), &sales, clock.now());
    store
        .insert_calls(org.id(), std::slice::from_ref(&new), None, None)
        .await
        .unwrap();
    let mut dispatched = false;
    while !dispatched && tokio::time::Instant::now() < deadline + std::time::Duration::from_secs(20)
    {
        dispatched =
            store.get_call(org.id(), new.id).await.unwrap().status == CallStatus::Initiated;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.cancel();
    running.await.unwrap();
    assert!(dispatched, "the engine was not woken by the new call");
}

/// An instance claimed a call (`Initiated`) and died before asking the provider to place
/// it: once the lease has run out, another instance places it.
async fn a_claimed_call_never_placed_is_placed_by_the_next_instance(db: TestDatabase) {
    let store = db.store.clone();
    let clock = Arc::new(ManualClock::new(Timestamp::parse(START).unwrap()));
    let org = create_org(store.as_ref(), "Org", "boss@org.test").await;
    let sales = use_case(org.id(), "Sales", clock.now());
    store.insert_use_case(&sales).await.unwrap();
    let queued = call(org.id(), &sales, clock.now());
    store
        .insert_calls(org.id(), std::slice::from_ref(&queued), None, None)
        .await
        .unwrap();
    let dead = switchyard_core::run::Lease {
        owner: "dead-instance".into(),
        until: clock.now().plus_seconds(30),
    };
    let claimed = store
        .claim_calls(&[(org.id(), queued.id)], 10, &dead, clock.now())
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);

    let blobs = tempfile::tempdir().unwrap();
    let survivor = Engine::new(EngineParts {
        store: store.clone(),
        clock: Arc::new(Clocks::new(clock.clone())),
        provider: Arc::new(SimNetwork),
        analyzer: Arc::new(BuiltinAnalyzer),
        chat: None,
        blobs: Arc::new(FsBlobStore::new(blobs.path())),
        config: test_engine_config(),
        instance: "survivor".to_owned(),
    })
    .unwrap();
    survivor.run_due().await.unwrap();
    let waiting = store.get_call(org.id(), queued.id).await.unwrap();
    assert_eq!(
        (waiting.status, waiting.metadata.call_sid.as_deref()),
        (CallStatus::Initiated, None),
        "the lease still holds"
    );

    clock.advance_seconds(31);
    survivor.run_due().await.unwrap();
    let placed = store.get_call(org.id(), queued.id).await.unwrap();
    assert!(placed.metadata.call_sid.is_some(), "placed by the survivor");
    let logs = store.call_logs(org.id(), queued.id).await.unwrap();
    assert!(
        logs.iter()
            .any(|l| l.message.contains("taken over from engine dead-instance")),
        "{logs:?}"
    );
    clock.advance_seconds(600);
    survivor.run_due().await.unwrap();
    assert_eq!(
        store.get_call(org.id(), queued.id).await.unwrap().status,
        CallStatus::Completed
    );
}
