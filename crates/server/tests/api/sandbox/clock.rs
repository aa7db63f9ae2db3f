//! Per-organization test clocks: frozen, advanced through everything due on the way, and
//! other organizations untouched.

use crate::common::TestDatabase;
use crate::harness::{START, TestApp, assert_error_body, id_of};
use crate::receiver::Receiver;
use serde_json::{Value, json};
use switchyard_core::enums::Role;
use switchyard_core::time::Timestamp;
use switchyard_engine::sim::BUSY;

crate::backend_tests!(
    sandbox_routes_are_404_without_sandbox,
    a_frozen_clock_stamps_the_organization_and_moves_only_forward,
    a_campaign_scheduled_for_the_next_day_runs_on_advance,
    a_retry_two_hours_later_happens_on_advance_and_not_before,
    working_hours_open_on_advance,
    two_organizations_with_different_clocks_do_not_disturb_each_other,
    a_replay_on_a_frozen_clock_is_sent_before_the_answer,
    recording_links_and_exports_expire_on_the_organizations_clock,
);

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

async fn call(app: &TestApp, id: &str) -> Value {
    app.owner().get(&format!("/calls/{id}"), 200).await
}

/// When the call's status changed to `to`, from its status log line.
async fn changed_at(app: &TestApp, id: &str, to: &str) -> Timestamp {
    let logs = app.owner().get(&format!("/calls/{id}/logs"), 200).await;
    let line = logs
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["event"] == "status" && l["data"]["to"] == to)
        .unwrap_or_else(|| panic!("no change to {to} in {logs:#}"));
    at(line["timestamp"].as_str().unwrap())
}

async fn their(app: &TestApp, key: &str, id: &str) -> Value {
    app.as_key(key).get(&format!("/calls/{id}"), 200).await
}

async fn freeze(app: &TestApp, key: &str, now: &str) -> Value {
    app.as_key(key)
        .post("/sandbox/clock", json!({"now": now}), 200)
        .await
}

async fn advance(app: &TestApp, key: &str, body: Value) -> Value {
    app.as_key(key)
        .post("/sandbox/clock/advance", body, 200)
        .await
}

async fn sandbox_routes_are_404_without_sandbox(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (method, path, body) in [
        ("GET", "/sandbox/clock", None),
        ("POST", "/sandbox/clock", Some(json!({"now": START}))),
        (
            "POST",
            "/sandbox/clock/advance",
            Some(json!({"seconds": 60})),
        ),
        ("DELETE", "/sandbox/clock", None),
        ("POST", "/sandbox/reset", None),
        (
            "POST",
            "/sandbox/orgs",
            Some(json!({"name": "CI", "owner": "ci@example.test"})),
        ),
    ] {
        let method = method.parse().unwrap();
        let answer = app.owner().expect(method, path, body, 404).await;
        assert_error_body(&answer);
        assert!(
            answer["message"].as_str().unwrap().contains("--sandbox"),
            "{answer}"
        );
    }
}

async fn a_frozen_clock_stamps_the_organization_and_moves_only_forward(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let real = app.owner().get("/sandbox/clock", 200).await;
    assert_eq!(real, json!({"now": START, "frozen": false}));

    let earlier = app
        .owner()
        .post(
            "/sandbox/clock",
            json!({"now": "2023-12-31T00:00:00Z"}),
            422,
        )
        .await;
    assert_eq!(earlier["errors"][0]["field"], "now", "{earlier}");
    let member = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    app.as_key(&member)
        .post(
            "/sandbox/clock",
            json!({"now": "2030-01-01T00:00:00Z"}),
            403,
        )
        .await;

    let frozen = freeze(&app, &owner, "2030-01-01T08:00:00Z").await;
    assert_eq!(
        frozen,
        json!({"now": "2030-01-01T08:00:00Z", "frozen": true})
    );
    // The world moves on; the organization does not.
    app.advance(3600).await;
    let use_case = app
        .owner()
        .post("/use-cases", json!({"name": "Stamped"}), 200)
        .await;
    assert_eq!(use_case["created_at"], "2030-01-01T08:00:00Z", "{use_case}");
    assert!(
        use_case["id"].as_str().unwrap().starts_with(&format!(
            "{:08x}",
            at("2030-01-01T08:00:00Z").unix_seconds()
        )),
        "ids carry the organization's time: {use_case}"
    );

    for bad in [
        json!({}),
        json!({"seconds": 60, "to": "2030-01-02T00:00:00Z"}),
        json!({"seconds": 0}),
        json!({"to": "2029-12-31T00:00:00Z"}),
    ] {
        let refused = app
            .owner()
            .post("/sandbox/clock/advance", bad.clone(), 422)
            .await;
        assert_error_body(&refused);
    }
    let moved = advance(&app, &owner, json!({"seconds": 90})).await;
    assert_eq!(moved["now"], "2030-01-01T08:01:30Z");
    let moved = advance(&app, &owner, json!({"to": "2030-01-01T09:00:00Z"})).await;
    assert_eq!(moved["now"], "2030-01-01T09:00:00Z");

    let thawed = app.owner().delete("/sandbox/clock", 200).await;
    assert_eq!(
        thawed,
        json!({"now": app.now().to_string(), "frozen": false})
    );
}

async fn a_campaign_scheduled_for_the_next_day_runs_on_advance(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Tomorrow", "hooks": [{"url": receiver.url}]}),
        )
        .await;
    freeze(&app, &owner, START).await;
    let created = app
        .owner()
        .post(
            "/dial/scheduled",
            json!({
                "number_id": fixture.number_id.to_string(),
                "campaign_name": "Tomorrow morning",
                "calls": [
                    {"phone_number": "+14155550101", "scheduled_date": "2024-01-02", "scheduled_time": "09:00:00", "timezone": "UTC"},
                    {"phone_number": "+14155550102", "scheduled_date": "2024-01-02", "scheduled_time": "09:00:00", "timezone": "UTC"},
                ],
            }),
            200,
        )
        .await;
    let ids: Vec<String> = created["createdCalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(call(&app, &ids[0]).await["status"], "Scheduled");

    // Two days pass in the world; the organization's clock stands still, and the pass
    // over real time leaves it alone.
    app.advance(2 * 86_400).await;
    assert_eq!(call(&app, &ids[0]).await["status"], "Scheduled");
    assert!(receiver.received().is_empty());

    let ran = advance(&app, &owner, json!({"seconds": 86_400})).await;
    assert_eq!(ran["now"], "2024-01-02T12:00:00Z");
    assert_eq!(ran["enqueued"], 2, "{ran}");
    assert_eq!(ran["dispatched"], 2, "{ran}");
    for id in &ids {
        let done = call(&app, id).await;
        assert_eq!(done["status"], "Completed", "{done}");
        let dialed = changed_at(&app, id, "Initiated").await;
        assert_eq!(dialed, at("2024-01-02T09:00:00Z"));
        let ended = changed_at(&app, id, "Completed").await;
        assert!(
            ended > dialed && ended < at("2024-01-02T09:05:00Z"),
            "{ended}"
        );
        assert_eq!(done["created"], START);
    }
    // Both calls' start and end reached the real receiver, sent during the advance.
    let events = receiver.events();
    assert_eq!(events.len(), 4, "{events:#?}");
    for id in &ids {
        let types: Vec<&str> = events
            .iter()
            .filter(|e| e["call"]["id"] == id.as_str())
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["start", "end"], "{id}");
    }
    // Each delivery says which of its call's events it is.
    for received in receiver.received() {
        let expected = match received.json()["type"].as_str().unwrap() {
            "start" => "1",
            _ => "2",
        };
        assert_eq!(received.header("webhook-sequence"), expected);
    }
}

async fn a_retry_two_hours_later_happens_on_advance_and_not_before(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let fixture = app.number_with_use_case(&app.org, "Follow-ups").await;
    freeze(&app, &owner, START).await;
    let rule = json!([{"query": "Busy", "retry_period": 120, "max_retry_per_day": 5}]);
    let created = app
        .owner()
        .post(
            "/dial/scheduled",
            json!({
                "number_id": fixture.number_id.to_string(),
                "campaign_name": "Busy line",
                "calls": [{"phone_number": BUSY}],
                "retry_logic": rule,
                "max_retries": 1,
            }),
            200,
        )
        .await;
    let first = id_of(&created["createdCalls"][0]);
    advance(&app, &owner, json!({"seconds": 60})).await;
    assert_eq!(call(&app, &first).await["status"], "Busy");
    let busy_at = changed_at(&app, &first, "Busy").await;
    let campaign = created["campaign_id"].as_str().unwrap();
    let calls = app
        .owner()
        .get(&format!("/calls?campaigns={campaign}&sort=asc"), 200)
        .await;
    let retry = id_of(&calls["calls"][1]);
    assert_eq!(
        call(&app, &retry).await["scheduled_for"],
        busy_at.plus_seconds(7200).to_string()
    );

    advance(
        &app,
        &owner,
        json!({"to": busy_at.plus_seconds(7199).to_string()}),
    )
    .await;
    assert_eq!(call(&app, &retry).await["status"], "Scheduled");
    advance(&app, &owner, json!({"seconds": 61})).await;
    assert_eq!(call(&app, &retry).await["status"], "Busy");
    assert_eq!(
        changed_at(&app, &retry, "Queued").await,
        busy_at.plus_seconds(7200)
    );
}

async fn working_hours_open_on_advance(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    // START is 12:00 UTC on a Monday; this use case calls from 14:00 to 16:00.
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Afternoons", "work_start": "14:00", "work_end": "16:00", "timezone": "UTC"}),
        )
        .await;
    freeze(&app, &owner, START).await;
    let id = id_of(&app.dial(&fixture, "+14155550320", json!({})).await);
    advance(&app, &owner, json!({"to": "2024-01-01T13:59:59Z"})).await;
    assert_eq!(call(&app, &id).await["status"], "Queued");
    advance(&app, &owner, json!({"to": "2024-01-01T15:00:00Z"})).await;
    assert_eq!(call(&app, &id).await["status"], "Completed");
    assert_eq!(
        changed_at(&app, &id, "Initiated").await,
        at("2024-01-01T14:00:00Z")
    );
}

async fn two_organizations_with_different_clocks_do_not_disturb_each_other(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let frozen_owner = app.org.owner_key.clone();
    let ours = app.number_with_use_case(&app.org, "Frozen").await;
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let theirs = app.number_with_use_case(&other, "Real time").await;
    freeze(&app, &frozen_owner, "2024-06-01T00:00:00Z").await;

    let our_call = id_of(&app.dial(&ours, "+14155550401", json!({})).await);
    let their_call = id_of(
        &app.as_key(&other.owner_key)
            .post(
                "/dial/outbound",
                json!({"number_id": theirs.number_id.to_string(), "phone_number": "+14155550402"}),
                200,
            )
            .await,
    );
    assert_eq!(
        their(&app, &other.owner_key, &their_call).await["created"],
        START
    );
    assert_eq!(
        call(&app, &our_call).await["created"],
        "2024-06-01T00:00:00Z"
    );

    // The pass over real time dials theirs, not ours.
    app.run_engine().await;
    assert_eq!(
        their(&app, &other.owner_key, &their_call).await["status"],
        "Initiated"
    );
    assert_eq!(call(&app, &our_call).await["status"], "Queued");

    // Our advance finishes our call and leaves theirs where the world's clock has it.
    advance(&app, &frozen_owner, json!({"seconds": 600})).await;
    assert_eq!(call(&app, &our_call).await["status"], "Completed");
    assert_eq!(
        their(&app, &other.owner_key, &their_call).await["status"],
        "Initiated"
    );
    let their_clock = app
        .as_key(&other.owner_key)
        .get("/sandbox/clock", 200)
        .await;
    assert_eq!(their_clock, json!({"now": START, "frozen": false}));

    app.advance(600).await;
    assert_eq!(
        their(&app, &other.owner_key, &their_call).await["status"],
        "Completed"
    );
    let ours_now = app.owner().get("/sandbox/clock", 200).await;
    assert_eq!(ours_now["now"], "2024-06-01T00:10:00Z");
}

async fn a_replay_on_a_frozen_clock_is_sent_before_the_answer(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Replays", "hooks": [{"url": receiver.url}]}),
        )
        .await;
    freeze(&app, &owner, START).await;
    let id = id_of(&app.dial(&fixture, "+14155550501", json!({})).await);
    advance(&app, &owner, json!({"seconds": 600})).await;
    assert_eq!(receiver.received().len(), 2);
    let deliveries = app
        .owner()
        .get(&format!("/webhooks/deliveries?call_id={id}"), 200)
        .await;
    let end = deliveries["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["event_type"] == "end")
        .unwrap()
        .clone();

    app.owner()
        .post_empty(&format!("/webhooks/deliveries/{}/replay", id_of(&end)), 202)
        .await;
    let received = receiver.received();
    assert_eq!(
        received.len(),
        3,
        "sent before the answer, without an advance"
    );
    assert_eq!(
        received[2].header("webhook-id"),
        end["webhook_id"].as_str().unwrap()
    );
    let again = app
        .owner()
        .get(&format!("/webhooks/deliveries?call_id={id}"), 200)
        .await;
    let attempts = again["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == end["id"])
        .unwrap()["attempts"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(attempts, 2);
    assert_eq!(
        app.owner().get("/sandbox/clock", 200).await["now"],
        "2024-01-01T12:10:00Z"
    );
}

async fn recording_links_and_exports_expire_on_the_organizations_clock(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let fixture = app.number_with_use_case(&app.org, "Expiring").await;
    freeze(&app, &owner, START).await;
    let id = id_of(&app.dial(&fixture, "+14155550601", json!({})).await);
    advance(&app, &owner, json!({"seconds": 600})).await;
    let link = app
        .owner()
        .get(&format!("/calls/{id}/recording?expires_in_secs=3600"), 200)
        .await;
    assert_eq!(link["expires_at"], "2024-01-01T13:10:00Z", "{link}");
    let url = link["url"].as_str().unwrap().to_owned();
    let fetch = |url: String| async move { reqwest::get(url).await.unwrap().status().as_u16() };
    let export = app.owner().post_empty("/calls/export", 202).await;
    let export = export["export_id"].as_str().unwrap().to_owned();
    assert_eq!(app.exports.run_due().await.unwrap().done, 1);

    // A day passes in the world: the link and the export are still good, the
    // organization's clock has not moved.
    app.clock.advance_seconds(86_400);
    assert_eq!(fetch(url.clone()).await, 200);
    assert_eq!(app.exports.run_due().await.unwrap().deleted, 0);

    advance(&app, &owner, json!({"seconds": 3601})).await;
    assert_eq!(fetch(url).await, 403, "expired on the organization's clock");
    app.owner().get(&format!("/exports/{export}"), 200).await;
    // The export is kept for 168 hours of the organization's time.
    let swept = advance(&app, &owner, json!({"seconds": 168 * 3600})).await;
    assert_eq!(swept["exports_deleted"], 1, "{swept}");
    app.owner().get(&format!("/exports/{export}"), 404).await;
}
