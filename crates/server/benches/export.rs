//! CSV export throughput and memory (issue #4): an SQLite database filled with 10k, 100k
//! and 1M copies of one realistic finished call (extraction, classification, costs, two
//! notes, two ratings, two views), then one export of all of them through the real worker
//! (extraction keys, keyset pages, CSV into a temporary file, moved into the blob store;
//! no SMTP server, so nothing is mailed).
//!
//! Printed per size: rows per second of the export alone (filling the database is not
//! measured), and the growth of the process's peak resident memory during the export:
//! the peak (`VmHWM`) is reset to the current `VmRSS` just before it (`5` written to
//! `/proc/self/clear_refs`), so the growth is what the export itself needed at most.
//!
//! Run: `cargo bench -p switchyard --bench export` (about 10 minutes and 6 GB of disk for
//! the million). `SWITCHYARD_BENCH_EXPORT_SIZES=10000,100000` picks other sizes. Not a
//! test: nothing here asserts a speed.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use switchyard_core::call::{Call, Classification, Costs, Note, Rating};
use switchyard_core::call_query::CallFilter;
use switchyard_core::enums::{AnsweredBy, Emoji, EndReason, SortOrder};
use switchyard_core::export::{Export, ExportStatus};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::number::{Number, UseCaseConfig};
use switchyard_core::store::Store;
use switchyard_core::time::{ManualClock, Timestamp};
use switchyard_core::use_case::UseCase;
use switchyard_core::{Clocks, Id, OrgId};
use switchyard_engine::blob::FsBlobStore;
use switchyard_engine::exports::{ExportConfig, ExportParts, ExportWorker};
use switchyard_store_sqlite::SqliteStore;

const SIZES: &[usize] = &[10_000, 100_000, 1_000_000];
/// Calls per `insert_calls` transaction while filling.
const BATCH: usize = 5_000;

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = match std::env::var("SWITCHYARD_BENCH_EXPORT_SIZES") {
        Ok(list) => list.split(',').map(|n| n.trim().parse().unwrap()).collect(),
        Err(_) => SIZES.to_vec(),
    };
    println!(
        "| calls | fill s | export s | rows per second | CSV MiB | RSS before MiB | peak during MiB | peak growth MiB |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for calls in sizes {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("bench.db"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let now = Timestamp::parse("2024-06-01T12:00:00Z").unwrap();

        let started = Instant::now();
        let org = fill(store.as_ref(), calls, now).await;
        let fill_secs = started.elapsed().as_secs_f64();

        let clock = Arc::new(Clocks::new(Arc::new(ManualClock::new(now))));
        let worker = ExportWorker::new(ExportParts {
            store: store.clone(),
            clock,
            blobs: Arc::new(FsBlobStore::new(dir.path().join("blobs"))),
            config: ExportConfig {
                scratch_dir: dir.path().join("tmp"),
                ..ExportConfig::default()
            },
            instance: "bench".to_owned(),
        })
        .unwrap();
        let export = Export::new(
            Id::new(now),
            org,
            CallFilter::default(),
            SortOrder::Desc,
            "ops@bench.test".to_owned(),
            "ops@bench.test".to_owned(),
            now,
        );
        store.insert_export(&export).await.unwrap();

        reset_peak();
        let before = memory_kib("VmRSS");
        let started = Instant::now();
        let pass = worker.run_due().await.unwrap();
        let export_secs = started.elapsed().as_secs_f64();
        let peak = memory_kib("VmHWM");

        let done = store.get_export(org, export.id).await.unwrap();
        assert_eq!(pass.done, 1);
        assert_eq!(done.status, ExportStatus::Done);
        assert_eq!(done.rows, Some(calls as u64), "every call was exported");
        let csv = dir.path().join("blobs").join(export.blob_key());
        let csv_mib = std::fs::metadata(&csv).unwrap().len() as f64 / 1_048_576.0;
        println!(
            "| {calls} | {fill_secs:.1} | {export_secs:.1} | {:.0} | {csv_mib:.0} | {:.0} | {:.0} | {:.0} |",
            calls as f64 / export_secs,
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            peak.saturating_sub(before) as f64 / 1024.0,
        );
    }
}

/// An organization with `calls` copies of one finished call, one second apart.
async fn fill(store: &dyn Store, calls: usize, now: Timestamp) -> OrgId {
    let (org, _) = switchyard_service::orgs::create_organization(
        store,
        "Bench Freight",
        "ops@bench.test",
        now,
    )
    .await
    .unwrap();
    let mut use_case = UseCase::new(Id::new(now), org.id, "Carrier sales", now);
    use_case.extract_with_ai = serde_json::from_value(serde_json::json!([
        {"name": "load_id", "type": "string", "description": "the load", "example": "LD-0"},
        {"name": "rate", "type": "number", "description": "agreed rate", "example": 1500},
        {"name": "carrier", "type": "string", "description": "carrier name", "example": "Acme"},
        {"name": "booked", "type": "boolean", "description": "booked?", "example": true}
    ]))
    .unwrap();
    use_case.classification_tags = serde_json::from_value(serde_json::json!([
        {"name": "booked", "description": "The carrier booked the load"},
        {"name": "declined", "description": "The carrier passed"}
    ]))
    .unwrap();
    store.insert_use_case(&use_case).await.unwrap();
    let number = Number {
        id: Id::new(now),
        organization_id: org.id,
        number: "+14156000001".to_owned(),
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
    let template = finished(
        switchyard_service::sim::ring(store, &number, "+14155550100", now)
            .await
            .unwrap(),
    );
    store.delete_call(org.id, template.id).await.unwrap();

    let start = now.plus_seconds(-(calls as i64));
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..calls {
        let created = start.plus_seconds(i as i64);
        let mut call = template.clone();
        call.id = Id::new(created);
        call.created = created;
        call.metadata.from = format!("+1415{:07}", i % 10_000_000);
        for note in &mut call.notes {
            note.id = Id::new(created);
        }
        batch.push(call);
        if batch.len() == BATCH || i + 1 == calls {
            store
                .insert_calls(org.id, &batch, None, None)
                .await
                .unwrap();
            batch.clear();
        }
    }
    org.id
}

/// The call as the engine leaves a completed one, reviewed by two people.
fn finished(mut call: Call) -> Call {
    let at = call.created;
    call.status = CallStatus::Completed;
    call.end_reason = Some(EndReason::Completed);
    call.answered_by = Some(AnsweredBy::Human);
    call.duration = Some(132.4);
    call.metadata.call_sid = Some("CAbench0000000000000000000000000".to_owned());
    call.metadata.tags = vec!["booked".to_owned()];
    call.extraction = serde_json::from_value(serde_json::json!({
        "load_id": "LD-48213", "rate": 1850, "carrier": "Blue Line Freight", "booked": true
    }))
    .unwrap();
    call.classification = Some(Classification {
        tag: "booked".to_owned(),
        reasoning: "The carrier agreed to the rate and confirmed pickup on Tuesday.".to_owned(),
    });
    call.costs = Some(Costs {
        currency: "USD".to_owned(),
        telephony: 0.0336,
        ai: 0.1324,
        total: 0.166,
    });
    let note = |content: &str, flagged| Note {
        id: Id::new(at),
        user_id: "dispatch@bench.test".to_owned(),
        content: content.to_owned(),
        flagged,
        created_at: at,
        updated_at: None,
    };
    call.notes = vec![
        note("Carrier asked for a quick pay option.", false),
        note("Rate above target: check with sales.", true),
    ];
    call.ratings = vec![
        Rating {
            emoji: Emoji::Check,
            email: "dispatch@bench.test".to_owned(),
            created: at,
        },
        Rating {
            emoji: Emoji::ThumbsDown,
            email: "qa@bench.test".to_owned(),
            created: at,
        },
    ];
    call.viewed_by = vec!["dispatch@bench.test".to_owned(), "qa@bench.test".to_owned()];
    call
}

/// Makes `VmHWM` start again from the current `VmRSS` (Linux 4.0+).
fn reset_peak() {
    if let Err(error) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("(cannot reset the peak RSS: {error}; the growth includes the fill)");
    }
}

/// A `/proc/self/status` line in KiB (`VmRSS`, `VmHWM`).
fn memory_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string(Path::new("/proc/self/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
