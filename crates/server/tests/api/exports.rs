//! CSV exports (contract §4 #12, issue #4): `POST /calls/export`, `GET /exports/{id}`,
//! the background worker (stepped with `run_due`, never on its own), mail through a real
//! local SMTP server, the lease that lets a dead worker's export be taken over, retention.

use crate::common::TestDatabase;
use crate::harness::{Fixture, TestApp, assert_error_body, id_of, page_ids};
use crate::smtp_sink::SmtpSink;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use switchyard_core::enums::Role;
use switchyard_core::export::ExportStatus;
use switchyard_core::run::Lease;
use switchyard_engine::exports::{ExportConfig, ExportWorker};
use switchyard_engine::sim;

crate::backend_tests!(
    an_export_mails_exactly_the_matching_calls_as_csv,
    formulas_are_neutralized_in_the_header_as_in_the_cells,
    the_status_goes_from_pending_to_done_and_the_csv_downloads,
    pages_keep_the_sort_across_equal_creation_times,
    an_unreachable_smtp_server_is_reported_in_the_status,
    another_organizations_export_is_not_found,
    bad_filters_are_422_and_viewers_cannot_export,
    finished_exports_are_deleted_after_the_retention,
    an_export_whose_worker_died_is_taken_over_after_its_lease,
);

const HEADER: &[&str] = &[
    "id",
    "created",
    "type",
    "status",
    "from",
    "to",
    "use case",
    "agent",
    "language",
    "duration",
    "end reason",
    "classification tag",
    "classification reasoning",
    "load_id",
    "rate",
    "ratings",
    "notes",
    "flagged notes",
    "viewed by",
    "campaign",
    "parent call",
    "cost total",
];

/// A use case that extracts `load_id` and `rate` and classifies into two tags.
async fn carrier_sales(app: &TestApp) -> Fixture {
    app.number_for(
        &app.org,
        json!({
            "name": "Carrier sales",
            "extract_with_ai": [
                {"name": "load_id", "type": "string", "description": "the load", "example": "LD-0"},
                {"name": "rate", "type": "number", "description": "agreed rate", "example": 1500}
            ],
            "classification_tags": [
                {"name": "booked", "description": "The carrier booked the load"},
                {"name": "declined", "description": "The carrier passed"}
            ]
        }),
    )
    .await
}

/// Dials each `(fixture, phone, extra)` and runs the engine until every call has ended.
async fn calls_to_the_end(app: &TestApp, dials: &[(&Fixture, &str, Value)]) -> Vec<String> {
    let mut ids = Vec::new();
    for (fixture, phone, extra) in dials {
        ids.push(id_of(&app.dial(fixture, phone, extra.clone()).await));
    }
    app.run_engine().await;
    for _ in 0..30 {
        let mut ended = true;
        for id in &ids {
            let call = app.owner().get(&format!("/calls/{id}"), 200).await;
            ended &= call["end_reason"].is_string();
        }
        if ended {
            return ids;
        }
        app.advance(60).await;
    }
    panic!("the calls did not end within half an hour");
}

/// A worker over the app's store and blobs that mails through `smtp_url`.
fn mailing_worker(app: &TestApp, smtp_url: &str) -> ExportWorker {
    app.exports
        .with_config(
            ExportConfig {
                smtp_url: Some(smtp_url.to_owned()),
                smtp_from: "Switchyard Exports <exports@switchyard.test>".to_owned(),
                smtp_timeout: Duration::from_secs(10),
                scratch_dir: app.exports.config().scratch_dir.clone(),
                ..ExportConfig::default()
            },
            "test-mailer",
        )
        .unwrap()
}

/// `POST /calls/export` as `key`; the export's id.
async fn request_export(app: &TestApp, key: &str, body: Value) -> String {
    let accepted = app.as_key(key).post("/calls/export", body, 202).await;
    assert!(accepted["message"].as_str().is_some_and(|m| !m.is_empty()));
    let id = accepted["export_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);
    id
}

struct Download {
    status: u16,
    content_type: String,
    disposition: String,
    body: Vec<u8>,
}

/// `GET /exports/{id}` with `Accept: text/csv`.
async fn download(app: &TestApp, key: &str, id: &str) -> Download {
    let response = app
        .http
        .get(format!("{}/api/v1/exports/{id}", app.base))
        .header("authorization", format!("Bearer {key}"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    Download {
        status: response.status().as_u16(),
        content_type: header("content-type"),
        disposition: header("content-disposition"),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

/// The header and the rows (by column name) of a CSV.
fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            assert_eq!(record.len(), header.len(), "every row has every column");
            header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}

fn ids_of(rows: &[HashMap<String, String>]) -> Vec<String> {
    rows.iter().map(|row| row["id"].clone()).collect()
}

fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|_| panic!("`{text}` is not a number"))
}

async fn an_export_mails_exactly_the_matching_calls_as_csv(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let sales = carrier_sales(&app).await;
    let other = app.number_with_use_case(&app.org, "Check calls").await;
    let load = |id: &str| json!({"params": {"load_id": id}});
    let ids = calls_to_the_end(
        &app,
        &[
            (&sales, "+14155550101", load("LD-1")),
            (&sales, "+14155550102", load("LD-2")),
            (&sales, sim::BUSY, json!({})),
            (&other, "+14155550103", json!({})),
        ],
    )
    .await;
    let reviewed = &ids[0];
    let notes = format!("/calls/{reviewed}/notes");
    app.owner()
        .post(
            &notes,
            json!({"content": "call back", "flagged": true}),
            200,
        )
        .await;
    app.owner()
        .post(&notes, json!({"content": "fine"}), 200)
        .await;
    let ratings = format!("/calls/{reviewed}/ratings");
    app.owner()
        .patch(&ratings, json!({"emoji": "✅", "operation": "add"}), 200)
        .await;
    // An Owner may rate and mark viewed for other members.
    app.key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    app.key(&app.org, "lead@acme.test", Role::Viewer).await;
    let by_rep = json!({"emoji": "👎", "email": "rep@acme.test", "operation": "add"});
    app.owner().patch(&ratings, by_rep, 200).await;
    let viewed = format!("/calls/{reviewed}/viewed");
    app.owner().patch(&viewed, json!({}), 200).await;
    app.owner()
        .patch(&viewed, json!({"email": "lead@acme.test"}), 200)
        .await;

    // Arrays and comma-separated strings both work, as in the query string.
    let filters = json!({
        "statuses": ["Completed", "Transferred"],
        "use_cases": sales.use_case_id.to_string(),
        "sort": "asc",
        "limit": "1",
        "email": "Ops@Acme.test",
    });
    let id = request_export(&app, &app.org.owner_key, filters).await;
    let pending = app.owner().get(&format!("/exports/{id}"), 200).await;
    assert_eq!(pending["status"], "pending");
    assert_eq!(pending["email"], "ops@acme.test");

    let sink = SmtpSink::start().await;
    let pass = mailing_worker(&app, &sink.url).run_due().await.unwrap();
    assert_eq!(pass.done, 1);

    let done = app.owner().get(&format!("/exports/{id}"), 200).await;
    assert_eq!(done["status"], "done");
    assert_eq!(
        done["rows"], 2,
        "limit is not a filter: every match is exported"
    );
    assert_eq!(done["mail"], json!({"sent": true, "attached": true}));
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, ["ops@acme.test"]);
    assert_eq!(mail.from, "exports@switchyard.test");
    assert!(mail.header("Subject").unwrap().contains("2 calls"));
    assert!(mail.text().contains(&format!("/api/v1/exports/{id}")));
    let (file_name, attached) = mail.attachment().expect("the CSV is attached");
    assert_eq!(file_name, format!("calls-{id}.csv"));

    let (header, rows) = parse_csv(&attached);
    assert_eq!(header, HEADER);
    let expected = app
        .owner()
        .get(
            &format!(
                "/calls?statuses=Completed,Transferred&use_cases={}&sort=asc",
                sales.use_case_id
            ),
            200,
        )
        .await;
    assert_eq!(ids_of(&rows), page_ids(&expected));
    assert_eq!(ids_of(&rows), [ids[0].clone(), ids[1].clone()]);
    for (row, call) in rows.iter().zip(expected["calls"].as_array().unwrap()) {
        assert_eq!(row["created"], call["created"].as_str().unwrap());
        assert_eq!(row["type"], "Outbound");
        assert_eq!(row["status"], "Completed");
        assert_eq!(row["from"], call["metadata"]["from"].as_str().unwrap());
        assert_eq!(row["to"], call["metadata"]["to"].as_str().unwrap());
        assert_eq!(row["use case"], "Carrier sales");
        assert_eq!(row["agent"], call["agent"]["name"].as_str().unwrap());
        assert_eq!(row["language"], "en-US");
        assert_eq!(number(&row["duration"]), call["duration"].as_f64().unwrap());
        assert_eq!(row["end reason"], "completed");
        let classification = &call["classification"];
        assert_eq!(
            row["classification tag"],
            classification["tag"].as_str().unwrap()
        );
        assert_eq!(
            row["classification reasoning"],
            classification["reasoning"].as_str().unwrap()
        );
        assert_eq!(
            row["load_id"],
            call["extraction"]["load_id"].as_str().unwrap()
        );
        assert_eq!(number(&row["rate"]), 1500.0);
        assert_eq!(
            number(&row["cost total"]),
            call["costs"]["total"].as_f64().unwrap()
        );
        assert_eq!(row["campaign"], "");
        assert_eq!(row["parent call"], "");
    }
    assert_eq!(rows[0]["load_id"], "LD-1");
    assert_eq!(rows[1]["load_id"], "LD-2");
    assert_eq!(rows[0]["ratings"], "✅ owner@acme.test; 👎 rep@acme.test");
    assert_eq!(rows[0]["notes"], "2");
    assert_eq!(rows[0]["flagged notes"], "1");
    assert_eq!(rows[0]["viewed by"], "owner@acme.test; lead@acme.test");
    assert_eq!(
        (rows[1]["ratings"].as_str(), rows[1]["notes"].as_str()),
        ("", "0")
    );

    let file = download(&app, &app.org.owner_key, &id).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body, attached, "the download is the mailed file");
}

async fn the_status_goes_from_pending_to_done_and_the_csv_downloads(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let queued = app.dial(&fixture, "+14155550111", json!({})).await;
    app.seed_call(&queued, "Completed", |call| {
        call["duration"] = json!(93.5);
        call["end_reason"] = json!("completed");
    })
    .await;

    // No body at all: every call, mailed to the key's member.
    let id = app.owner().post_empty("/calls/export", 202).await["export_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pending = app.owner().get(&format!("/exports/{id}"), 200).await;
    assert_eq!(
        pending,
        json!({"id": id, "status": "pending", "email": "owner@acme.test",
               "created_at": "2024-01-01T12:00:00Z"})
    );
    let early = download(&app, &app.org.owner_key, &id).await;
    assert_eq!(early.status, 409, "no CSV before it is done");

    let pass = app.exports.run_due().await.unwrap();
    assert_eq!((pass.done, pass.retried, pass.failed), (1, 0, 0));
    let done = app.owner().get(&format!("/exports/{id}"), 200).await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["rows"], 2);
    assert_eq!(
        done["mail"],
        json!({"sent": false, "error": "no SMTP server configured"})
    );
    assert_eq!(done["finished_at"], "2024-01-01T12:00:00Z");
    assert_eq!(done["expires_at"], "2024-01-08T12:00:00Z");
    assert!(done.get("reason").is_none());

    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    app.as_key(&viewer)
        .get(&format!("/exports/{id}"), 200)
        .await;
    let file = download(&app, &viewer, &id).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.content_type, "text/csv; charset=utf-8");
    assert_eq!(
        file.disposition,
        format!("attachment; filename=\"calls-{id}.csv\"")
    );
    let (header, rows) = parse_csv(&file.body);
    assert_eq!(header[..13], HEADER[..13]);
    assert_eq!(header[13..], HEADER[15..], "no extraction field was seen");
    let listed = app.owner().get("/calls", 200).await;
    assert_eq!(ids_of(&rows), page_ids(&listed));
    assert_eq!(rows[0]["duration"], "93.5");
    assert_eq!(rows[1]["status"], "Queued");
    assert_eq!(rows[1]["duration"], "");

    assert_eq!(
        app.exports.run_due().await.unwrap(),
        Default::default(),
        "a done export is not run again"
    );
}

/// An extraction field's name is the organization's own text: a spreadsheet must not run it
/// as a formula in the header any more than in a cell.
async fn formulas_are_neutralized_in_the_header_as_in_the_cells(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let queued = app.dial(&fixture, "+14155550112", json!({})).await;
    let risky = ["=SUM(1+1)", "@cmd", "+1+1", "-2+3"];
    app.seed_call(&queued, "Completed", |call| {
        let extraction: serde_json::Map<String, Value> = risky
            .iter()
            .map(|name| ((*name).to_owned(), json!("=HYPERLINK(\"x\")")))
            .collect();
        call["extraction"] = Value::Object(extraction);
    })
    .await;
    let id = app.owner().post_empty("/calls/export", 202).await["export_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.exports.run_due().await.unwrap();
    let (header, rows) = parse_csv(&download(&app, &app.org.owner_key, &id).await.body);
    for name in risky {
        let neutral = format!("'{name}");
        assert!(header.contains(&neutral), "{name} in {header:?}");
        assert!(
            !header.contains(&name.to_owned()),
            "{name} left raw in {header:?}"
        );
        let completed = rows
            .iter()
            .find(|row| row["status"] == "Completed")
            .unwrap();
        assert_eq!(completed[&neutral], "'=HYPERLINK(\"x\")");
    }
}

async fn pages_keep_the_sort_across_equal_creation_times(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let template = app.dial(&fixture, "+14155550121", json!({})).await;
    // Five more calls created in the same millisecond: only the id orders them.
    for n in 0..5 {
        app.seed_call(&template, "Completed", |call| {
            if n % 2 == 0 {
                call["extraction"] = json!({"legacy_field": format!("=1+{n}")});
            }
        })
        .await;
    }
    app.clock.advance_seconds(5);
    app.dial(&fixture, "+14155550122", json!({})).await;
    let worker = app
        .exports
        .with_config(
            ExportConfig {
                page_size: 2,
                scratch_dir: app.exports.config().scratch_dir.clone(),
                ..ExportConfig::default()
            },
            "small-pages",
        )
        .unwrap();
    for sort in ["desc", "asc"] {
        let id = request_export(&app, &app.org.owner_key, json!({"sort": sort})).await;
        assert_eq!(worker.run_due().await.unwrap().done, 1);
        let (header, rows) = parse_csv(&download(&app, &app.org.owner_key, &id).await.body);
        let listed = app.owner().get(&format!("/calls?sort={sort}"), 200).await;
        assert_eq!(ids_of(&rows), page_ids(&listed), "sort {sort}");
        assert_eq!(rows.len(), 7);
        // A field no current use case declares still gets its column; formulas are
        // neutralized for spreadsheets.
        assert!(header.contains(&"legacy_field".to_owned()));
        let formulas: Vec<&str> = rows
            .iter()
            .map(|r| r["legacy_field"].as_str())
            .filter(|v| !v.is_empty())
            .collect();
        assert_eq!(formulas.len(), 3);
        assert!(
            formulas.iter().all(|v| v.starts_with("'=1+")),
            "{formulas:?}"
        );
    }
}

async fn an_unreachable_smtp_server_is_reported_in_the_status(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    app.dial(&fixture, "+14155550131", json!({})).await;
    // A port that nothing listens on: connections are refused.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);

    let id = request_export(&app, &app.org.owner_key, json!({})).await;
    let pass = mailing_worker(&app, &url).run_due().await.unwrap();
    assert_eq!(pass.done, 1);

    let done = app.owner().get(&format!("/exports/{id}"), 200).await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["rows"], 1);
    assert_eq!(done["mail"]["sent"], false);
    assert!(done["mail"].get("attached").is_none());
    let error = done["mail"]["error"].as_str().unwrap();
    assert!(error.starts_with("SMTP: "), "{error}");
    let file = download(&app, &app.org.owner_key, &id).await;
    assert_eq!(file.status, 200, "the CSV is there all the same");
    assert_eq!(parse_csv(&file.body).1.len(), 1);
}

async fn another_organizations_export_is_not_found(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    app.dial(&fixture, "+14155550141", json!({})).await;
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let id = request_export(&app, &app.org.owner_key, json!({})).await;
    let theirs = request_export(&app, &other.owner_key, json!({})).await;
    assert_eq!(app.exports.run_due().await.unwrap().done, 2);

    let body = app
        .as_key(&other.owner_key)
        .get(&format!("/exports/{id}"), 404)
        .await;
    assert_error_body(&body);
    assert_eq!(download(&app, &other.owner_key, &id).await.status, 404);
    app.owner().get(&format!("/exports/{theirs}"), 404).await;
    app.owner()
        .get(&format!("/exports/{}", &id[..23]), 400)
        .await;
    app.owner()
        .get("/exports/0123456789abcdef01234567", 404)
        .await;
    // Each organization's export holds its own calls only.
    let mine = app.owner().get(&format!("/exports/{id}"), 200).await;
    let other_done = app
        .as_key(&other.owner_key)
        .get(&format!("/exports/{theirs}"), 200)
        .await;
    assert_eq!(
        (mine["rows"].clone(), other_done["rows"].clone()),
        (json!(1), json!(0))
    );
    let (header, rows) = parse_csv(&download(&app, &other.owner_key, &theirs).await.body);
    assert_eq!((header.len(), rows.len()), (HEADER.len() - 2, 0));
}

async fn bad_filters_are_422_and_viewers_cannot_export(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let owner = app.owner();
    let body = owner
        .post("/calls/export", json!({"statuses": "Completed,Nope"}), 422)
        .await;
    assert_eq!(body["errors"][0]["field"], "statuses");
    let body = owner
        .post(
            "/calls/export",
            json!({"from": "yesterday", "email": "nope", "ratings": ["👍"], "tags": {"a": 1},
                   "use_cases": ["123"], "sort": "up"}),
            422,
        )
        .await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        ["email", "from", "ratings", "sort", "tags", "use_cases"]
    );
    assert_error_body(&owner.post("/calls/export", json!([1, 2]), 422).await);
    let malformed = owner
        .send(
            Method::POST,
            "/calls/export",
            Some(("application/json", b"{\"statuses\":".to_vec())),
            &[],
        )
        .await;
    assert_eq!(malformed.status, 400);
    let not_json = owner
        .send(
            Method::POST,
            "/calls/export",
            Some(("text/plain", b"statuses=Completed".to_vec())),
            &[],
        )
        .await;
    assert_eq!(not_json.status, 415);

    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    assert_error_body(
        &app.as_key(&viewer)
            .post("/calls/export", json!({}), 403)
            .await,
    );
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let id = request_export(&app, &rep, json!({"statuses": "Completed"})).await;
    let status = app.as_key(&rep).get(&format!("/exports/{id}"), 200).await;
    assert_eq!(status["email"], "rep@acme.test");
    assert_eq!(
        app.exports.run_due().await.unwrap().done,
        1,
        "the refused requests queued nothing"
    );
}

async fn finished_exports_are_deleted_after_the_retention(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let id = request_export(&app, &app.org.owner_key, json!({})).await;
    assert_eq!(app.exports.run_due().await.unwrap().done, 1);
    let key = format!("exports/{}/{id}.csv", app.org.id);
    assert!(app.exports.blobs().exists(&key).await.unwrap());

    app.clock.advance_seconds(168 * 3600 - 60);
    assert_eq!(app.exports.run_due().await.unwrap().deleted, 0);
    assert_eq!(download(&app, &app.org.owner_key, &id).await.status, 200);

    app.clock.advance_seconds(120);
    assert_eq!(app.exports.run_due().await.unwrap().deleted, 1);
    app.owner().get(&format!("/exports/{id}"), 404).await;
    assert!(!app.exports.blobs().exists(&key).await.unwrap());
    assert_eq!(app.exports.run_due().await.unwrap().deleted, 0);
}

async fn an_export_whose_worker_died_is_taken_over_after_its_lease(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    app.dial(&fixture, "+14155550151", json!({})).await;
    let id = request_export(&app, &app.org.owner_key, json!({})).await;
    // A worker claims it, then dies without a word.
    let dead = Lease {
        owner: "dead-worker".to_owned(),
        until: app.now().plus_seconds(60),
    };
    let claimed = app
        .store
        .claim_export(app.now(), &dead)
        .await
        .unwrap()
        .expect("the export is due");
    assert_eq!(
        (claimed.status, claimed.attempts),
        (ExportStatus::Running, 1)
    );
    let running = app.owner().get(&format!("/exports/{id}"), 200).await;
    assert_eq!(running["status"], "running");

    assert_eq!(
        app.exports.run_due().await.unwrap().done,
        0,
        "held under a live lease"
    );
    app.clock.advance_seconds(61);
    assert_eq!(app.exports.run_due().await.unwrap().done, 1);
    let done = app.owner().get(&format!("/exports/{id}"), 200).await;
    assert_eq!(
        (done["status"].clone(), done["rows"].clone()),
        (json!("done"), json!(1))
    );
    let stored = app.store.get_export(app.org.id, claimed.id).await.unwrap();
    assert_eq!(stored.attempts, 2);
    // The dead worker cannot overwrite the outcome if it comes back.
    assert!(
        !app.store
            .save_export(&claimed, "dead-worker")
            .await
            .unwrap()
    );
    assert_eq!(download(&app, &app.org.owner_key, &id).await.status, 200);
}
