//! Webhook faults (`/sandbox/faults`) seen by a real local receiver: duplicates under one
//! `webhook-id` with both attempts in the ledger, a delay on the organization's frozen
//! clock, `end` before `start`, another organization untouched; reading, setting and
//! clearing them, field errors, roles, and `404` without the sandbox.

use crate::common::TestDatabase;
use crate::harness::{Fixture, START, TestApp, assert_error_body, id_of};
use crate::receiver::{Received, Receiver};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    faults_are_read_by_members_and_set_and_cleared_by_owners,
    fault_routes_are_404_without_sandbox,
    duplicate_one_sends_every_event_twice_under_one_webhook_id,
    duplicate_zero_sends_every_event_once,
    a_delay_holds_the_first_attempt_back_on_the_organizations_clock,
    reorder_sends_a_calls_end_before_its_start,
);

const FAULTS: &str = "/sandbox/faults";

fn none() -> Value {
    json!({"webhooks": {"duplicate": 0.0, "delay_ms": 0, "reorder": false}})
}

async fn set_faults(app: &TestApp, webhooks: Value) -> Value {
    app.owner()
        .post(FAULTS, json!({"webhooks": webhooks}), 200)
        .await
}

/// A frozen organization whose use case sends its events to a new receiver.
async fn frozen_with_receiver(app: &TestApp) -> (Fixture, Receiver) {
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Faulty", "hooks": [{"url": receiver.url}]}),
        )
        .await;
    app.owner()
        .post("/sandbox/clock", json!({"now": START}), 200)
        .await;
    (fixture, receiver)
}

/// Dials an ordinary number and advances the frozen clock until the call has ended and
/// everything due has been sent.
async fn completed_call(app: &TestApp, fixture: &Fixture, phone: &str) -> String {
    let id = id_of(&app.dial(fixture, phone, json!({})).await);
    advance(app, 600).await;
    let call = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(call["status"], "Completed", "{call}");
    id
}

async fn advance(app: &TestApp, seconds: i64) -> Value {
    app.owner()
        .post("/sandbox/clock/advance", json!({"seconds": seconds}), 200)
        .await
}

fn of_call<'a>(received: &'a [Received], call: &str) -> Vec<&'a Received> {
    received
        .iter()
        .filter(|r| r.json()["call"]["id"] == call)
        .collect()
}

fn types(received: &[&Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn deliveries_of(app: &TestApp, call: &str) -> Vec<Value> {
    let page = app
        .owner()
        .get(&format!("/webhooks/deliveries?call_id={call}"), 200)
        .await;
    page["data"].as_array().unwrap().clone()
}

async fn faults_are_read_by_members_and_set_and_cleared_by_owners(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    assert_eq!(app.owner().get(FAULTS, 200).await, none());

    let all = json!({"duplicate": 0.5, "delay_ms": 2000, "reorder": true});
    assert_eq!(
        set_faults(&app, all.clone()).await,
        json!({"webhooks": all})
    );
    assert_eq!(
        app.as_key(&viewer).get(FAULTS, 200).await,
        json!({"webhooks": all})
    );
    // What is posted replaces what was stored: a field left out is off.
    let only_reorder = set_faults(&app, json!({"reorder": true})).await;
    assert_eq!(
        only_reorder,
        json!({"webhooks": {"duplicate": 0.0, "delay_ms": 0, "reorder": true}})
    );
    assert_eq!(app.owner().get(FAULTS, 200).await, only_reorder);

    for key in [&viewer, &rep] {
        let body = json!({"webhooks": {"duplicate": 1}});
        let refused = app.as_key(key).post(FAULTS, body, 403).await;
        assert_error_body(&refused);
        app.as_key(key).delete(FAULTS, 403).await;
    }
    assert_eq!(app.owner().get(FAULTS, 200).await, only_reorder);

    for (body, field) in [
        (
            json!({"webhooks": {"duplicate": 1.5}}),
            "webhooks.duplicate",
        ),
        (
            json!({"webhooks": {"duplicate": -0.1}}),
            "webhooks.duplicate",
        ),
        (json!({"webhooks": {"delay_ms": -1}}), "webhooks.delay_ms"),
        (
            json!({"webhooks": {"delay_ms": 86_400_001}}),
            "webhooks.delay_ms",
        ),
        (json!({"webhooks": {"reorder": "yes"}}), "webhooks.reorder"),
        (json!({"webhooks": {"drop": 0.5}}), "webhooks.drop"),
    ] {
        let refused = app.owner().post(FAULTS, body.clone(), 422).await;
        assert_error_body(&refused);
        assert_eq!(refused["errors"][0]["field"], field, "{body}: {refused}");
    }
    let longest = json!({"duplicate": 1.0, "delay_ms": 86_400_000, "reorder": false});
    assert_eq!(
        set_faults(&app, longest.clone()).await,
        json!({"webhooks": longest})
    );

    assert_eq!(app.owner().delete(FAULTS, 200).await, none());
    assert_eq!(app.owner().get(FAULTS, 200).await, none());
    // Another organization never saw any of it.
    let other = app.new_org("Other Freight", "boss@other.test").await;
    set_faults(&app, json!({"duplicate": 1})).await;
    assert_eq!(app.as_key(&other.owner_key).get(FAULTS, 200).await, none());
}

async fn fault_routes_are_404_without_sandbox(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (method, body) in [
        ("GET", None),
        ("POST", Some(json!({"webhooks": {"duplicate": 1}}))),
        ("DELETE", None),
    ] {
        let answer = app
            .owner()
            .expect(method.parse().unwrap(), FAULTS, body, 404)
            .await;
        assert_error_body(&answer);
        assert!(
            answer["message"].as_str().unwrap().contains("--sandbox"),
            "{answer}"
        );
    }
}

async fn duplicate_one_sends_every_event_twice_under_one_webhook_id(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    // Another organization, on real time, with its own receiver: our faults are not its.
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let theirs = Receiver::start().await;
    let their_fixture = app
        .number_for(
            &other,
            json!({"name": "Steady", "hooks": [{"url": theirs.url}]}),
        )
        .await;
    let (fixture, receiver) = frozen_with_receiver(&app).await;
    set_faults(&app, json!({"duplicate": 1})).await;

    let id = completed_call(&app, &fixture, "+14155550301").await;
    let received = receiver.received();
    let ours = of_call(&received, &id);
    assert_eq!(types(&ours), ["start", "start", "end", "end"]);
    for pair in ours.chunks(2) {
        assert_eq!(pair[0].header("webhook-id"), pair[1].header("webhook-id"));
        assert_eq!(pair[0].body, pair[1].body);
    }
    assert_ne!(ours[0].header("webhook-id"), ours[2].header("webhook-id"));
    let deliveries = deliveries_of(&app, &id).await;
    assert_eq!(deliveries.len(), 2, "{deliveries:#?}");
    for delivery in &deliveries {
        assert_eq!(delivery["state"], "delivered", "{delivery}");
        let statuses: Vec<&Value> = delivery["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| &a["status"])
            .collect();
        assert_eq!(statuses, [&json!(200), &json!(200)], "{delivery}");
    }

    let their_call = id_of(
        &app.as_key(&other.owner_key)
            .post(
                "/dial/outbound",
                json!({"number_id": their_fixture.number_id.to_string(), "phone_number": "+14155550302"}),
                200,
            )
            .await,
    );
    app.run_engine().await;
    app.advance(600).await;
    app.advance(60).await;
    let received = theirs.received();
    assert_eq!(types(&of_call(&received, &their_call)), ["start", "end"]);
}

async fn duplicate_zero_sends_every_event_once(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let (fixture, receiver) = frozen_with_receiver(&app).await;
    set_faults(&app, json!({"duplicate": 0, "delay_ms": 0})).await;

    let id = completed_call(&app, &fixture, "+14155550311").await;
    advance(&app, 3600).await;
    let received = receiver.received();
    assert_eq!(types(&of_call(&received, &id)), ["start", "end"]);
    for delivery in deliveries_of(&app, &id).await {
        assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1);
    }
}

async fn a_delay_holds_the_first_attempt_back_on_the_organizations_clock(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let (fixture, receiver) = frozen_with_receiver(&app).await;
    set_faults(&app, json!({"delay_ms": 60_000})).await;

    // Canceled at once: its `end` happens at the frozen instant.
    let id = id_of(&app.dial(&fixture, "+14155550321", json!({})).await);
    app.owner()
        .post_empty(&format!("/calls/{id}/cancel"), 200)
        .await;
    // The world's time passing does not move the organization's.
    app.advance(3600).await;
    assert!(receiver.received().is_empty());

    let early = advance(&app, 59).await;
    assert_eq!(early["webhook_attempts"], 0, "{early}");
    assert!(receiver.received().is_empty());
    assert_eq!(deliveries_of(&app, &id).await[0]["state"], "pending");

    let due = advance(&app, 2).await;
    assert_eq!(due["webhook_attempts"], 1, "{due}");
    let received = receiver.received();
    assert_eq!(types(&of_call(&received, &id)), ["end"]);
    let delivery = &deliveries_of(&app, &id).await[0];
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["attempts"][0]["at"], "2024-01-01T12:01:00Z");
}

async fn reorder_sends_a_calls_end_before_its_start(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let (fixture, receiver) = frozen_with_receiver(&app).await;
    set_faults(&app, json!({"reorder": true})).await;

    let id = completed_call(&app, &fixture, "+14155550331").await;
    let received = receiver.received();
    let ours = of_call(&received, &id);
    assert_eq!(types(&ours), ["end", "start"]);
    // Nothing more is held or sent later; the ledger keeps the events' numbers, in the
    // order they happened.
    advance(&app, 3600).await;
    assert_eq!(receiver.received().len(), 2);
    let deliveries = deliveries_of(&app, &id).await;
    let numbered: Vec<(&Value, &Value)> = deliveries
        .iter()
        .map(|d| (&d["event_type"], &d["sequence"]))
        .collect();
    assert_eq!(
        numbered,
        [(&json!("end"), &json!(2)), (&json!("start"), &json!(1))]
    );
    for delivery in &deliveries {
        assert_eq!(delivery["state"], "delivered", "{delivery}");
        assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1);
    }
}
