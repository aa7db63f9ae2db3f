//! `POST /sandbox/reset`: the organization's activity deleted (with `config`, its
//! configuration too), its blobs with it, and every other organization untouched.

use crate::common::TestDatabase;
use crate::harness::{Fixture, TestApp, TestOrg, assert_error_body, id_of};
use crate::receiver::Receiver;
use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::AgentId;
use switchyard_core::enums::Role;

crate::backend_tests!(
    reset_deletes_the_activity_and_its_files_and_keeps_the_configuration,
    reset_leaves_other_organizations_whole,
    a_config_reset_recreates_the_default_agent_and_dialing_works_again,
    only_owners_reset_and_the_body_is_checked,
);

/// Dials `phone` as `org`'s Owner and runs the engine until the call has ended.
async fn completed_call(app: &TestApp, org: &TestOrg, fixture: &Fixture, phone: &str) -> String {
    let body = json!({"number_id": fixture.number_id.to_string(), "phone_number": phone});
    let dialed = app
        .as_key(&org.owner_key)
        .post("/dial/outbound", body, 200)
        .await;
    app.run_engine().await;
    app.advance(200).await;
    let id = id_of(&dialed);
    let call = app
        .as_key(&org.owner_key)
        .get(&format!("/calls/{id}"), 200)
        .await;
    assert_eq!(call["status"], "Completed", "{call}");
    id
}

async fn recording_url(app: &TestApp, org: &TestOrg, id: &str) -> String {
    let link = app
        .as_key(&org.owner_key)
        .get(&format!("/calls/{id}/recording"), 200)
        .await;
    link["url"].as_str().unwrap().to_owned()
}

async fn fetch_status(url: &str) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

async fn dial_with_idempotency_key(app: &TestApp, fixture: &Fixture, phone: &str) -> u16 {
    let body = json!({"number_id": fixture.number_id.to_string(), "phone_number": phone});
    app.owner()
        .send(
            Method::POST,
            "/dial/outbound",
            Some(("application/json", body.to_string().into_bytes())),
            &[("Idempotency-Key", "ci-run-1")],
        )
        .await
        .status
}

async fn default_agent(app: &TestApp) -> AgentId {
    let org = app.store.get_organization(app.org.id).await.unwrap();
    org.default_agent_id
}

fn counts(calls: u64, campaigns: u64, exports: u64, recordings: u64, deliveries: u64) -> Value {
    json!({
        "calls": calls, "campaigns": campaigns, "exports": exports, "recordings": recordings,
        "webhook_deliveries": deliveries, "scenarios": 0,
        "use_cases": 0, "prompts": 0, "agents": 0, "numbers": 0,
    })
}

async fn reset_deletes_the_activity_and_its_files_and_keeps_the_configuration(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Reset me", "hooks": [{"url": receiver.url}]}),
        )
        .await;
    let done = completed_call(&app, &app.org, &fixture, "+14155550141").await;
    let url = recording_url(&app, &app.org, &done).await;
    assert_eq!(fetch_status(&url).await, 200);
    app.owner()
        .post(
            &format!("/calls/{done}/notes"),
            json!({"content": "to go"}),
            200,
        )
        .await;
    app.owner()
        .post(
            "/dial/scheduled",
            json!({
                "number_id": fixture.number_id.to_string(),
                "campaign_name": "Tomorrow",
                "calls": [{"phone_number": "+14155550142", "scheduled_date": "2024-01-02", "scheduled_time": "09:00:00", "timezone": "UTC"}],
            }),
            200,
        )
        .await;
    assert_eq!(
        dial_with_idempotency_key(&app, &fixture, "+14155550143").await,
        200
    );
    let export = app
        .owner()
        .post("/calls/export", json!({"email": "ci@acme.test"}), 202)
        .await;
    app.exports.run_due().await.unwrap();
    let export_id = export["export_id"].as_str().unwrap().to_owned();
    app.owner().get(&format!("/exports/{export_id}"), 200).await;

    let reset = app.owner().post_empty("/sandbox/reset", 200).await;
    // The completed call's `start` and `end` deliveries; the queued call has none yet.
    assert_eq!(reset, counts(3, 1, 1, 1, 2));

    let calls = app.owner().get("/calls", 200).await;
    assert_eq!(calls["count"], 0, "{calls}");
    app.owner().get(&format!("/calls/{done}"), 404).await;
    app.owner().get(&format!("/exports/{export_id}"), 404).await;
    let gone = fetch_status(&url).await;
    assert!(
        gone == 404 || gone == 403,
        "the recording is still served: {gone}"
    );
    // The idempotency record went with its call: the key is free again.
    assert_eq!(
        dial_with_idempotency_key(&app, &fixture, "+14155550144").await,
        200
    );
    assert_eq!(app.owner().get("/calls", 200).await["count"], 1);
    // The configuration, the members and their keys stay.
    let use_cases = app.owner().get("/use-cases", 200).await;
    assert_eq!(use_cases.as_array().unwrap().len(), 1, "{use_cases}");
    app.owner()
        .get(&format!("/numbers/{}", fixture.number_id), 200)
        .await;
    let org = app.owner().get("/org", 200).await;
    assert_eq!(org["id"], app.org.id.to_string());

    let again = app
        .owner()
        .post("/sandbox/reset", json!({"config": false}), 200)
        .await;
    assert_eq!(again, counts(1, 0, 0, 0, 0));
}

async fn reset_leaves_other_organizations_whole(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let other = app.new_org("Bolt Logistics", "owner@bolt.test").await;
    let mine = app.number_with_use_case(&app.org, "Mine").await;
    let theirs = app.number_with_use_case(&other, "Theirs").await;
    completed_call(&app, &app.org, &mine, "+14155550145").await;
    let kept = completed_call(&app, &other, &theirs, "+14155550146").await;
    let their_client = app.as_key(&other.owner_key);
    their_client
        .post(
            &format!("/calls/{kept}/notes"),
            json!({"content": "bolt keeps this"}),
            200,
        )
        .await;
    let url = recording_url(&app, &other, &kept).await;
    let before = their_client.get(&format!("/calls/{kept}"), 200).await;
    let their_use_cases = their_client.get("/use-cases", 200).await;
    let their_agents = their_client.get("/agents", 200).await;

    let reset = app
        .owner()
        .post("/sandbox/reset", json!({"config": true}), 200)
        .await;
    assert_eq!(reset["calls"], 1, "{reset}");
    assert_eq!(reset["use_cases"], 1, "{reset}");

    assert_eq!(
        their_client.get(&format!("/calls/{kept}"), 200).await,
        before
    );
    assert_eq!(before["notes"][0]["content"], "bolt keeps this", "{before}");
    assert_eq!(their_client.get("/calls", 200).await["count"], 1);
    assert_eq!(their_client.get("/use-cases", 200).await, their_use_cases);
    assert_eq!(their_client.get("/agents", 200).await, their_agents);
    their_client
        .get(&format!("/numbers/{}", theirs.number_id), 200)
        .await;
    assert_eq!(fetch_status(&url).await, 200);
}

async fn a_config_reset_recreates_the_default_agent_and_dialing_works_again(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let fixture = app.number_with_use_case(&app.org, "Before").await;
    app.owner()
        .post("/prompts", json!({"name": "Pitch", "text": "Sell."}), 200)
        .await;
    app.owner()
        .post("/agents", json!({"name": "Second voice"}), 200)
        .await;
    app.owner()
        .post(
            "/sandbox/scenarios",
            json!({"match": "+1999*", "outcome": "busy"}),
            200,
        )
        .await;
    completed_call(&app, &app.org, &fixture, "+14155550147").await;
    let old_agent = default_agent(&app).await;

    let reset = app
        .owner()
        .post("/sandbox/reset", json!({"config": true}), 200)
        .await;
    assert_eq!(
        reset,
        json!({
            "calls": 1, "campaigns": 0, "exports": 0, "recordings": 1, "webhook_deliveries": 0,
            "scenarios": 1, "use_cases": 1, "prompts": 1, "agents": 2, "numbers": 1,
        })
    );
    for list in ["/use-cases", "/prompts"] {
        assert_eq!(app.owner().get(list, 200).await, json!([]), "{list}");
    }
    app.owner()
        .get(&format!("/numbers/{}", fixture.number_id), 404)
        .await;
    let agent = default_agent(&app).await;
    assert_ne!(agent, old_agent);
    let agents = app.owner().get("/agents", 200).await;
    assert_eq!(agents.as_array().unwrap().len(), 1, "{agents}");
    assert_eq!(agents[0]["id"], agent.to_string());
    assert_eq!(agents[0]["name"], "Default agent");

    let again = app.number_with_use_case(&app.org, "After").await;
    assert_eq!(again.agent_id, agent);
    completed_call(&app, &app.org, &again, "+14155550148").await;
}

async fn only_owners_reset_and_the_body_is_checked(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let fixture = app.number_with_use_case(&app.org, "Guarded").await;
    app.dial(&fixture, "+14155550149", json!({})).await;
    for role in [Role::Viewer, Role::Representative] {
        let key = app
            .key(
                &app.org,
                &format!("{role:?}@acme.test").to_lowercase(),
                role,
            )
            .await;
        let refused = app.as_key(&key).post_empty("/sandbox/reset", 403).await;
        assert_error_body(&refused);
    }
    for body in [json!({"confg": true}), json!({"config": "yes"})] {
        let refused = app.owner().post("/sandbox/reset", body, 422).await;
        assert_error_body(&refused);
    }
    app.anonymous().post_empty("/sandbox/reset", 401).await;
    assert_eq!(app.owner().get("/calls", 200).await["count"], 1);
    let reset = app.owner().post("/sandbox/reset", json!({}), 200).await;
    assert_eq!(reset["calls"], 1, "{reset}");
}
