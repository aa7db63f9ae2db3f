//! Engine throughput on both backends (issue: "dispatch throughput in calls per second"):
//!
//! * dispatch: queued calls claimed, made `Initiated` and handed to the simulated network;
//! * lifecycle: with an instant network (the sim-speed multiplier at 10^9), calls go from
//!   `Queued` to `Completed` in one engine pass, with transcript, analysis, recording and
//!   webhooks-free logs written.
//!
//! Run: `cargo bench -p switchyard --bench dispatch` (SQLite), with
//! `SWITCHYARD_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test` for PostgreSQL
//! too. Prints the median of 3 runs. Not a test: nothing here asserts a speed.

use std::sync::Arc;
use std::time::Instant;
use switchyard_core::Id;
use switchyard_core::number::{Number, UseCaseConfig};
use switchyard_core::store::Store;
use switchyard_core::time::{Clock, ManualClock, Timestamp};
use switchyard_core::use_case::UseCase;
use switchyard_engine::analysis::builtin::BuiltinAnalyzer;
use switchyard_engine::blob::FsBlobStore;
use switchyard_engine::config::EngineConfig;
use switchyard_engine::sim::SimNetwork;
use switchyard_engine::{Engine, EngineParts};
use switchyard_service::sim;
use switchyard_store_postgres::PostgresStore;
use switchyard_store_sqlite::SqliteStore;

const ORGS: usize = 10;
const DISPATCH_CALLS: usize = 10_000;
/// Fewer: every completed call writes a WAV file of its (simulated) length.
const LIFECYCLE_CALLS: usize = 500;
const RUNS: usize = 3;

#[tokio::main]
async fn main() {
    let pg_url = std::env::var("SWITCHYARD_BENCH_POSTGRES_URL").ok();
    println!("| backend | measure | calls | median seconds | calls per second |");
    println!("| --- | --- | --- | --- | --- |");
    for backend in ["sqlite", "postgres"] {
        if backend == "postgres" && pg_url.is_none() {
            eprintln!("(set SWITCHYARD_BENCH_POSTGRES_URL to measure PostgreSQL too)");
            continue;
        }
        for (measure, calls, speed) in [
            ("dispatch", DISPATCH_CALLS, 1.0),
            ("lifecycle", LIFECYCLE_CALLS, 1e9),
        ] {
            let mut seconds = Vec::new();
            for run in 0..RUNS {
                let dir = tempfile::tempdir().unwrap();
                let schema = format!("sybench_{}_{run}_{measure}", std::process::id());
                let store: Arc<dyn Store> = match backend {
                    "sqlite" => {
                        let store = SqliteStore::open(&dir.path().join("bench.db"))
                            .await
                            .unwrap();
                        store.migrate().await.unwrap();
                        Arc::new(store)
                    }
                    _ => {
                        let store =
                            PostgresStore::connect_in_schema(pg_url.as_deref().unwrap(), &schema)
                                .await
                                .unwrap();
                        store.migrate().await.unwrap();
                        Arc::new(store)
                    }
                };
                seconds.push(measure_once(store, dir.path(), calls, speed).await);
                if let (Some(url), "postgres") = (pg_url.as_deref(), backend) {
                    drop_schema(url, &schema).await;
                }
            }
            seconds.sort_by(f64::total_cmp);
            let median = seconds[RUNS / 2];
            println!(
                "| {backend} | {measure} | {calls} | {median:.3} | {:.0} |",
                calls as f64 / median
            );
        }
    }
}

async fn measure_once(
    store: Arc<dyn Store>,
    dir: &std::path::Path,
    calls: usize,
    speed: f64,
) -> f64 {
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse("2024-01-01T12:00:00Z").unwrap(),
    ));
    for o in 0..ORGS {
        queue_calls(store.as_ref(), o, calls / ORGS, clock.now()).await;
    }
    let engine = Engine::new(EngineParts {
        store: store.clone(),
        clock: Arc::new(switchyard_core::Clocks::new(clock.clone())),
        provider: Arc::new(SimNetwork),
        analyzer: Arc::new(BuiltinAnalyzer),
        chat: None,
        blobs: Arc::new(FsBlobStore::new(dir.join("blobs"))),
        config: EngineConfig {
            concurrency_per_org: 1_000_000,
            sim_speed: speed,
            ..EngineConfig::default()
        },
        instance: "bench".to_owned(),
    })
    .unwrap();
    let started = Instant::now();
    let report = engine.run_due().await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(report.dispatched, calls, "every call was dispatched");
    elapsed
}

/// An organization with a use case, a number, and `n` queued calls to ordinary numbers.
async fn queue_calls(store: &dyn Store, o: usize, n: usize, now: Timestamp) {
    let (org, _) = switchyard_service::orgs::create_organization(
        store,
        &format!("Bench {o}"),
        &format!("ops@bench{o}.test"),
        now,
    )
    .await
    .unwrap();
    let use_case = UseCase::new(Id::new(now), org.id, "Bench", now);
    store.insert_use_case(&use_case).await.unwrap();
    let number = Number {
        id: Id::new(now),
        organization_id: org.id,
        number: format!("+1415600{o:04}"),
        sid: "PNbench".to_owned(),
        locality: "San Francisco".to_owned(),
        mode: "voice".to_owned(),
        title: "bench".to_owned(),
        use_case_config: UseCaseConfig {
            id: Some(use_case.id),
            ..UseCaseConfig::default()
        },
        created_at: now,
    };
    store.insert_number(&number).await.unwrap();
    // One call built the way the network routes it, then copied: setup is not measured.
    let template = sim::ring(store, &number, "+14155550100", now)
        .await
        .unwrap();
    let copies: Vec<_> = (1..n)
        .map(|i| {
            let mut call = template.clone();
            call.id = Id::new(now);
            call.metadata.from = format!("+1415{:07}", o * 100_000 + i);
            call
        })
        .collect();
    store
        .insert_calls(org.id, &copies, None, None)
        .await
        .unwrap();
}

/// Each run's schema goes once measured: left behind, every run's calls made the shared
/// database, and so the next runs, slower.
async fn drop_schema(url: &str, schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(&mut conn)
        .await
        .unwrap();
}
