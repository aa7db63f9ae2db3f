//! Inbound calls on the simulated network (`POST /sim/inbound`, contract §8): routed by the
//! number, answered by the engine, and after hours given the use case's message.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, assert_full_call, id_of};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    an_inbound_call_is_routed_answered_and_completed,
    after_hours_callers_hear_the_message_and_the_call_ends,
    only_the_organizations_own_numbers_take_inbound_calls,
    viewers_cannot_place_inbound_calls,
);

const CALLER: &str = "+14155550999";

async fn call(app: &TestApp, id: &str) -> Value {
    app.owner().get(&format!("/calls/{id}"), 200).await
}

fn assert_invalid(body: &Value, field: &str) {
    assert_error_body(body);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, [field], "{body}");
}

async fn an_inbound_call_is_routed_answered_and_completed(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Reception").await;
    // Route the number to an agent of its own, so that routing (not the default) is seen.
    let ava = app
        .owner()
        .post("/agents", json!({"name": "Ava"}), 200)
        .await;
    let ava_id = id_of(&ava);
    assert_ne!(ava_id, fixture.agent_id.to_string());
    app.owner()
        .patch(
            &format!("/numbers/{}", fixture.number_id),
            json!({"agent_routes": [{"probability": 100, "id": ava_id}]}),
            200,
        )
        .await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let ringing = app
        .as_key(&rep)
        .post(
            "/sim/inbound",
            json!({"to": fixture.number, "from": CALLER}),
            200,
        )
        .await;
    assert_full_call(&ringing);
    assert_eq!(ringing["type"], "Inbound");
    assert_eq!(ringing["status"], "Queued");
    assert_eq!(ringing["organization_id"], app.org.id.to_string().as_str());
    assert_eq!(ringing["metadata"]["from"], CALLER);
    assert_eq!(ringing["metadata"]["to"], fixture.number.as_str());
    assert_eq!(
        ringing["use_case"]["id"],
        fixture.use_case_id.to_string().as_str()
    );
    assert_eq!(ringing["use_case"]["name"], "Reception");
    assert_eq!(ringing["agent"], json!({"id": ava_id, "name": "Ava"}));
    let id = id_of(&ringing);
    assert_eq!(call(&app, &id).await, ringing, "stored as returned");

    app.run_engine().await;
    app.advance(14).await;
    let live = call(&app, &id).await;
    assert_eq!(live["status"], "In progress");
    assert_eq!(live["type"], "Inbound");
    app.advance(200).await;
    let done = call(&app, &id).await;
    assert_eq!(done["status"], "Completed");
    assert_eq!(done["end_reason"], "completed");
    assert_eq!(done["type"], "Inbound");
    assert_eq!(done["metadata"]["from"], CALLER);
    assert_eq!(done["metadata"]["to"], fixture.number.as_str());
    assert!(done["duration"].as_f64().unwrap() >= 45.0, "{done}");
    let transcript = app
        .owner()
        .get(&format!("/calls/{id}/transcript"), 200)
        .await;
    assert_eq!(transcript["call_id"], id.as_str());
    let messages = transcript["messages"].as_array().unwrap();
    assert!(messages.len() >= 2, "{transcript}");
    let system = messages[0]["content"].as_str().unwrap();
    assert_eq!(messages[0]["role"], "system");
    assert!(system.contains("You are Ava"), "{system}");
    assert!(system.contains("an inbound phone call"), "{system}");
    assert!(system.contains("\"Reception\""), "{system}");
    assert!(
        messages
            .iter()
            .any(|m| m["role"] == "user" && !m["content"].as_str().unwrap().is_empty())
    );

    let inbound = app.owner().get("/calls?type=Inbound", 200).await;
    assert_eq!(inbound["count"], 1);
    assert_eq!(inbound["calls"][0]["id"], id.as_str());
    let outbound = app.owner().get("/calls?type=Outbound", 200).await;
    assert_eq!(outbound["count"], 0);
}

async fn after_hours_callers_hear_the_message_and_the_call_ends(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let message = "Thanks for calling Acme Freight. We are open from two to four in the afternoon.";
    // The test clock starts at 12:00 UTC: closed.
    let fixture = app
        .number_for(
            &app.org,
            json!({
                "name": "Afternoon desk",
                "work_start": "14:00",
                "work_end": "16:00",
                "timezone": "UTC",
                "generic_after_hours_message": message,
            }),
        )
        .await;
    let ringing = app
        .owner()
        .post(
            "/sim/inbound",
            json!({"to": fixture.number, "from": CALLER}),
            200,
        )
        .await;
    assert_eq!(ringing["type"], "Inbound");
    let id = id_of(&ringing);

    app.run_engine().await;
    // Answered within 13.4 s; the message lasts a few seconds.
    app.advance(60).await;
    let done = call(&app, &id).await;
    assert_eq!(done["status"], "Completed", "{done}");
    assert_eq!(done["end_reason"], "after_hours");
    let transcript = app
        .owner()
        .get(&format!("/calls/{id}/transcript"), 200)
        .await;
    let messages = transcript["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{transcript}");
    assert_eq!(messages[0]["role"], "assistant");
    assert_eq!(messages[0]["content"], message);
    let logs = app.owner().get(&format!("/calls/{id}/logs"), 200).await;
    assert!(
        logs.as_array().unwrap().iter().any(|l| l["message"]
            .as_str()
            .unwrap()
            .contains("outside working hours")),
        "{logs:#}"
    );

    // At 14:00 the same number is answered as usual.
    app.clock
        .set(switchyard_core::time::Timestamp::parse("2024-01-01T14:00:00Z").unwrap());
    let open = app
        .owner()
        .post(
            "/sim/inbound",
            json!({"to": fixture.number, "from": CALLER}),
            200,
        )
        .await;
    app.run_engine().await;
    app.advance(200).await;
    let open = call(&app, &id_of(&open)).await;
    assert_eq!(open["status"], "Completed");
    assert_eq!(open["end_reason"], "completed");
}

async fn only_the_organizations_own_numbers_take_inbound_calls(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.number_with_use_case(&app.org, "Reception").await;
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let theirs = app.number_with_use_case(&other, "Their reception").await;
    for to in [
        theirs.number.as_str(),
        "+19995550100",
        "12345",
        "not a number",
        "",
    ] {
        let body = app
            .owner()
            .post("/sim/inbound", json!({"to": to, "from": CALLER}), 422)
            .await;
        assert_invalid(&body, "to");
        assert!(
            !body.to_string().contains("Other Freight"),
            "leaks the other organization: {body}"
        );
    }
    let ours = app.number_with_use_case(&app.org, "Front desk").await;
    let body = app
        .owner()
        .post(
            "/sim/inbound",
            json!({"to": ours.number, "from": "call me"}),
            422,
        )
        .await;
    assert_invalid(&body, "from");
    // A number routed to no use case cannot take calls.
    app.owner()
        .patch(
            &format!("/numbers/{}", ours.number_id),
            json!({"use_case_id": null}),
            200,
        )
        .await;
    let body = app
        .owner()
        .post(
            "/sim/inbound",
            json!({"to": ours.number, "from": CALLER}),
            422,
        )
        .await;
    assert_invalid(&body, "to");
    let calls = app.owner().get("/calls", 200).await;
    assert_eq!(calls["count"], 0, "nothing was created: {calls}");
    let their_calls = app.as_key(&other.owner_key).get("/calls", 200).await;
    assert_eq!(their_calls["count"], 0);
}

async fn viewers_cannot_place_inbound_calls(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Reception").await;
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let body = app
        .as_key(&viewer)
        .post(
            "/sim/inbound",
            json!({"to": fixture.number, "from": CALLER}),
            403,
        )
        .await;
    assert_error_body(&body);
    app.anonymous()
        .post(
            "/sim/inbound",
            json!({"to": fixture.number, "from": CALLER}),
            401,
        )
        .await;
    let calls = app.owner().get("/calls", 200).await;
    assert_eq!(calls["count"], 0);
}
