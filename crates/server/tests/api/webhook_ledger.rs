//! The webhook delivery ledger over real HTTP (`GET /webhooks/deliveries`, `POST
//! /webhooks/deliveries/{id}/replay`): every attempt at a delivered and at a failing
//! delivery, events numbered per call, replays seen by the local receiver under the same
//! `webhook-id`, roles, masked URLs, other organizations, paging and bad parameters.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, id_of, test_engine_config};
use crate::receiver::{Received, Receiver};
use serde_json::{Value, json};
use switchyard::config::HttpConfig;
use switchyard_core::enums::Role;
use switchyard_engine::config::{EngineConfig, WebhookConfig};
use switchyard_engine::sim::BUSY;

crate::backend_tests!(
    the_ledger_keeps_every_attempt_and_numbers_events,
    failing_deliveries_show_each_retry_then_fail,
    replays_reach_the_receiver_under_the_same_webhook_id,
    roles_masking_and_other_organizations,
    pages_filters_and_bad_parameters,
);

const DELIVERIES: &str = "/webhooks/deliveries";

fn hooked(name: &str, urls: &[&str]) -> Value {
    let hooks: Vec<Value> = urls
        .iter()
        .map(|url| json!({"url": url, "headers": [{"key": "x-hook-token", "value": "tok-9"}]}))
        .collect();
    json!({"name": name, "hooks": hooks})
}

async fn ledger(app: &TestApp, query: &str) -> Value {
    app.owner().get(&format!("{DELIVERIES}{query}"), 200).await
}

async fn deliveries_of(app: &TestApp, call: &str) -> Vec<Value> {
    let page = ledger(app, &format!("?call_id={call}")).await;
    page["data"].as_array().unwrap().clone()
}

/// The call's webhook log lines, oldest first.
async fn webhook_logs(app: &TestApp, call: &str) -> Vec<Value> {
    let logs = app.owner().get(&format!("/calls/{call}/logs"), 200).await;
    logs.as_array()
        .unwrap()
        .iter()
        .filter(|l| l["event"] == "webhook")
        .cloned()
        .collect()
}

fn statuses(delivery: &Value) -> Vec<Value> {
    delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].clone())
        .collect()
}

/// Dials `phone` and cancels it at once: one `end` event per hook.
async fn canceled_call(app: &TestApp, fixture: &crate::harness::Fixture, phone: &str) -> String {
    let id = id_of(&app.dial(fixture, phone, json!({})).await);
    app.owner()
        .post_empty(&format!("/calls/{id}/cancel"), 200)
        .await;
    id
}

async fn the_ledger_keeps_every_attempt_and_numbers_events(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let steady = Receiver::start().await;
    steady.answer_body(format!("{{\"ok\":true,\"pad\":\"{}\"}}", "x".repeat(600)).as_bytes());
    let flaky = Receiver::start().await;
    flaky.answer_with(&[(500, None), (503, None)]);
    let fixture = app
        .number_for(&app.org, hooked("Ledger", &[&steady.url, &flaky.url]))
        .await;
    let id = id_of(&app.dial(&fixture, "+14155550141", json!({})).await);
    app.run_engine().await;
    // Answered within 14 s (`start`); the flaky hook's `start` is retried after 5 s and
    // 30 s (+20% jitter), all before the call ends (at least 45 s after its answer), so
    // that the flaky receiver's failures all go to `start`.
    for _ in 0..14 {
        app.advance(1).await;
        let call = app.owner().get(&format!("/calls/{id}"), 200).await;
        if call["status"] == "In progress" {
            break;
        }
    }
    app.advance(6).await;
    app.advance(36).await;
    assert_eq!(flaky.received().len(), 3, "`start` and its two retries");
    for _ in 0..4 {
        app.advance(60).await;
    }
    let call = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(call["status"], "Completed");

    let deliveries = deliveries_of(&app, &id).await;
    assert_eq!(deliveries.len(), 4, "{deliveries:#?}");
    let events: Vec<(&str, u64)> = deliveries
        .iter()
        .map(|d| {
            (
                d["event_type"].as_str().unwrap(),
                d["sequence"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(events, [("end", 2), ("end", 2), ("start", 1), ("start", 1)]);
    let times: Vec<&str> = deliveries
        .iter()
        .map(|d| d["created_at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    for d in &deliveries {
        assert_eq!(d["state"], "delivered", "{d}");
        assert_eq!(d["call_id"], id.as_str());
        assert_eq!(d["webhook_id"], d["id"]);
        let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 9, "{d}");
    }
    let by = |url: &str, event: &str| {
        deliveries
            .iter()
            .find(|d| d["url"] == url && d["event_type"] == event)
            .unwrap()
            .clone()
    };
    let flaky_start = by(&flaky.url, "start");
    assert_eq!(statuses(&flaky_start), [json!(500), json!(503), json!(200)]);
    assert_eq!(statuses(&by(&steady.url, "end")), [json!(200)]);

    // Each attempt as the receivers saw it, and as the call's logs tell it.
    let excerpt = by(&steady.url, "start")["attempts"][0]["response_excerpt"].clone();
    assert_eq!(excerpt.as_str().unwrap().len(), 512, "{excerpt}");
    assert!(excerpt.as_str().unwrap().starts_with("{\"ok\":true"));
    for attempt in flaky_start["attempts"].as_array().unwrap() {
        assert_eq!(attempt["response_excerpt"], "");
        assert_eq!(attempt["error"], Value::Null);
        assert!(attempt["duration_ms"].is_u64(), "{attempt}");
        assert_eq!(attempt.as_object().unwrap().len(), 5, "{attempt}");
    }
    let webhook_ids: Vec<String> = flaky
        .received()
        .iter()
        .filter(|r| r.json()["type"] == "start")
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    let start_id = flaky_start["webhook_id"].as_str().unwrap().to_owned();
    assert_eq!(webhook_ids, vec![start_id; 3]);
    let logs = webhook_logs(&app, &id).await;
    let logged: Vec<(Value, Value)> = logs
        .iter()
        .filter(|l| l["data"]["url"] == flaky.url.as_str() && l["data"]["event_type"] == "start")
        .map(|l| (l["timestamp"].clone(), l["data"]["status"].clone()))
        .collect();
    let kept: Vec<(Value, Value)> = flaky_start["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["at"].clone(), a["status"].clone()))
        .collect();
    assert_eq!(kept, logged);

    // Numbers are per call: another call's events start again from 1.
    let other = canceled_call(&app, &fixture, "+14155550142").await;
    app.run_engine().await;
    let others = deliveries_of(&app, &other).await;
    assert_eq!(others.len(), 2);
    assert!(
        others
            .iter()
            .all(|d| d["sequence"] == 1 && d["event_type"] == "end")
    );

    // Deleting a call deletes its deliveries.
    app.owner().delete(&format!("/calls/{other}"), 200).await;
    assert!(deliveries_of(&app, &other).await.is_empty());
    assert_eq!(deliveries_of(&app, &id).await.len(), 4);
}

async fn failing_deliveries_show_each_retry_then_fail(db: TestDatabase) {
    let base = test_engine_config();
    let config = EngineConfig {
        webhooks: WebhookConfig {
            retry_schedule: vec![std::time::Duration::from_secs(5)],
            ..base.webhooks.clone()
        },
        ..base
    };
    let app = TestApp::spawn_configured(db, HttpConfig::default(), config).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let fixture = app.number_for(&app.org, hooked("Down", &[&nowhere])).await;
    let id = id_of(&app.dial(&fixture, BUSY, json!({})).await);
    app.run_engine().await;
    app.advance(10).await;
    assert_eq!(
        app.owner().get(&format!("/calls/{id}"), 200).await["status"],
        "Busy"
    );
    let pending = deliveries_of(&app, &id).await;
    assert_eq!(pending[0]["state"], "pending", "one retry to come");
    app.advance(10).await;

    let deliveries = deliveries_of(&app, &id).await;
    assert_eq!(deliveries.len(), 1);
    let failed = &deliveries[0];
    assert_eq!(failed["state"], "failed");
    assert_eq!(statuses(failed), [Value::Null, Value::Null]);
    let logs = webhook_logs(&app, &id).await;
    assert_eq!(logs.len(), 2);
    for (attempt, log) in failed["attempts"].as_array().unwrap().iter().zip(&logs) {
        // The words of the call's logs, never the server's internals.
        assert_eq!(attempt["error"], log["data"]["error"]);
        assert!(
            attempt["error"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("refused")
        );
        assert_eq!(attempt["response_excerpt"], Value::Null);
        assert_eq!(attempt["at"], log["timestamp"]);
    }
    let failed_only = ledger(&app, "?state=failed").await;
    assert_eq!(failed_only["data"].as_array().unwrap().len(), 1);
    assert!(ledger(&app, "?state=delivered").await["data"] == json!([]));
}

async fn replays_reach_the_receiver_under_the_same_webhook_id(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.clock_near_real_time();
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(&app.org, hooked("Replays", &[&receiver.url]))
        .await;
    let id = canceled_call(&app, &fixture, "+14155550143").await;
    app.run_engine().await;
    let delivery = deliveries_of(&app, &id).await.remove(0);
    assert_eq!(delivery["state"], "delivered");
    let replay_path = format!("{DELIVERIES}/{}/replay", id_of(&delivery));

    app.clock.advance_seconds(30);
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let queued = app.as_key(&rep).post_empty(&replay_path, 202).await;
    assert_eq!(queued["state"], "pending");
    assert_eq!(queued["attempts"], delivery["attempts"]);
    // A second replay before the first was made is refused.
    let body = app.owner().post_empty(&replay_path, 409).await;
    assert_error_body(&body);
    app.run_engine().await;

    let received = receiver.received();
    assert_eq!(received.len(), 2, "the event, then its replay");
    let (first, again): (&Received, &Received) = (&received[0], &received[1]);
    assert_eq!(again.header("webhook-id"), first.header("webhook-id"));
    assert_eq!(
        again.header("webhook-id"),
        delivery["webhook_id"].as_str().unwrap()
    );
    assert_eq!(again.body, first.body, "the same event");
    assert_eq!(again.header("x-hook-token"), "tok-9");
    let stamp = |r: &Received| r.header("webhook-timestamp").parse::<i64>().unwrap();
    assert_eq!(stamp(again), stamp(first) + 30, "signed afresh");
    assert_ne!(
        again.header("webhook-signature"),
        first.header("webhook-signature")
    );
    let secret = app.owner().get("/org/webhook-secret", 200).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    standardwebhooks::Webhook::new(&secret)
        .unwrap()
        .verify(&again.body, &again.headers)
        .unwrap();

    let replayed = deliveries_of(&app, &id).await.remove(0);
    assert_eq!(replayed["state"], "delivered");
    assert_eq!(statuses(&replayed), [json!(200), json!(200)]);
    assert_ne!(replayed["attempts"][1]["at"], replayed["attempts"][0]["at"]);
    let logs = webhook_logs(&app, &id).await;
    assert!(
        logs[1]["message"]
            .as_str()
            .unwrap()
            .contains("(replay, attempt 2)"),
        "{logs:#?}"
    );

    // A replay that fails is not retried, and leaves the delivery failed.
    receiver.answer_with(&[(500, None)]);
    app.owner().post_empty(&replay_path, 202).await;
    app.run_engine().await;
    app.advance(24 * 3600).await;
    assert_eq!(receiver.received().len(), 3);
    let failed = deliveries_of(&app, &id).await.remove(0);
    assert_eq!(failed["state"], "failed");
    assert_eq!(statuses(&failed), [json!(200), json!(200), json!(500)]);
    // It may be replayed again.
    app.owner().post_empty(&replay_path, 202).await;
    app.run_engine().await;
    assert_eq!(deliveries_of(&app, &id).await[0]["state"], "delivered");
}

async fn roles_masking_and_other_organizations(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    let secret_url = receiver
        .url
        .replace("http://", "http://bot:s3cret@")
        .replace("/hook", "/hook?token=abc123&team=7");
    let fixture = app
        .number_for(&app.org, hooked("Masked", &[&secret_url]))
        .await;
    let id = canceled_call(&app, &fixture, "+14155550144").await;
    app.run_engine().await;
    assert_eq!(receiver.received().len(), 1);
    let owner_view = deliveries_of(&app, &id).await.remove(0);
    let use_case = app
        .owner()
        .get(&format!("/use-cases/{}", fixture.use_case_id), 200)
        .await;
    assert_eq!(owner_view["url"], use_case["hooks"][0]["url"]);
    assert!(owner_view["url"].as_str().unwrap().contains("s3cret"));
    let delivery = id_of(&owner_view);
    let replay_path = format!("{DELIVERIES}/{delivery}/replay");

    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let masked = receiver
        .url
        .replace("http://", "http://bot:********@")
        .replace("/hook", "/hook?token=********&team=********");
    for key in [&viewer, &rep] {
        let page = app.as_key(key).get(DELIVERIES, 200).await;
        assert_eq!(page["data"][0]["url"], masked.as_str(), "{page}");
        assert!(!page.to_string().contains("s3cret") && !page.to_string().contains("abc123"));
    }
    let refused = app.as_key(&viewer).post_empty(&replay_path, 403).await;
    assert_error_body(&refused);
    let replayed = app.as_key(&rep).post_empty(&replay_path, 202).await;
    assert_eq!(replayed["url"], masked.as_str());
    app.run_engine().await;
    assert_eq!(receiver.received().len(), 2);
    app.anonymous().get(DELIVERIES, 401).await;

    // Another organization sees none of it, and its replay is the unknown id's 404.
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let theirs = app.as_key(&other.owner_key);
    assert_eq!(theirs.get(DELIVERIES, 200).await["data"], json!([]));
    let filtered = theirs.get(&format!("{DELIVERIES}?call_id={id}"), 200).await;
    assert_eq!(filtered, json!({"data": [], "next_cursor": null}));
    let foreign = theirs.post_empty(&replay_path, 404).await;
    let unknown = theirs
        .post_empty(
            &format!("{DELIVERIES}/0000dead0000dead0000dead/replay"),
            404,
        )
        .await;
    assert_eq!(foreign, unknown);
    assert_error_body(&foreign);
    app.run_engine().await;
    assert_eq!(receiver.received().len(), 2, "nothing was sent for them");
}

async fn pages_filters_and_bad_parameters(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(&app.org, hooked("Pages", &[&receiver.url]))
        .await;
    let mut calls = Vec::new();
    for phone in ["+14155550145", "+14155550146", "+14155550147"] {
        calls.push(canceled_call(&app, &fixture, phone).await);
        app.clock.advance_seconds(1);
    }
    app.run_engine().await;

    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let page = ledger(&app, &query).await;
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["call_id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let newest_first: Vec<Value> = calls.iter().rev().map(|c| json!(c)).collect();
    assert_eq!(seen, newest_first);
    let whole = ledger(&app, "").await;
    assert_eq!(whole["data"].as_array().unwrap().len(), 3);
    assert_eq!(whole["next_cursor"], Value::Null);
    let first = ledger(&app, "?limit=1&state=delivered").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    let owner = app.owner();
    for (query, field) in [
        ("?limit=0".to_owned(), "limit"),
        ("?limit=2001".to_owned(), "limit"),
        ("?limit=ten".to_owned(), "limit"),
        ("?state=sent".to_owned(), "state"),
        ("?call_id=not-an-id".to_owned(), "call_id"),
        ("?cursor=forged".to_owned(), "cursor"),
        // A cursor is bound to the filters it was made with.
        (format!("?cursor={cursor}"), "cursor"),
        (format!("?state=failed&cursor={cursor}"), "cursor"),
    ] {
        let body = owner.get(&format!("{DELIVERIES}{query}"), 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
        assert_error_body(&body);
    }
    let both = owner
        .get(&format!("{DELIVERIES}?limit=0&state=sent"), 422)
        .await;
    assert_eq!(both["errors"].as_array().unwrap().len(), 2, "{both}");
    let same_filters = owner
        .get(
            &format!("{DELIVERIES}?state=delivered&cursor={cursor}"),
            200,
        )
        .await;
    assert_eq!(same_filters["data"].as_array().unwrap().len(), 2);
    let bad_id = owner
        .post_empty(&format!("{DELIVERIES}/nope/replay"), 400)
        .await;
    assert_error_body(&bad_id);
}
