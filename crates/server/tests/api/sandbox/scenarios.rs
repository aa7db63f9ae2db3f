//! Scenarios: what the simulated far end does, managed over HTTP, chosen per call by the
//! most specific match before the built-in numbers, and replayed exactly on a frozen clock.

use crate::common::TestDatabase;
use crate::harness::{Fixture, START, TestApp, TestOrg, assert_error_body, id_of};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use switchyard_core::enums::Role;
use switchyard_engine::sim::{BUSY, NO_ANSWER};

crate::backend_tests!(
    scenarios_are_created_listed_read_and_deleted_by_their_organization,
    scenarios_are_validated_field_by_field,
    scenario_routes_are_404_without_sandbox,
    each_outcome_ends_the_call_as_its_built_in_number_does,
    the_most_specific_scenario_wins_before_the_built_in_numbers,
    callee_lines_are_what_the_person_says,
    a_dropped_call_keeps_the_transcript_up_to_the_drop,
    weights_draw_the_same_outcomes_from_the_same_seed,
    the_same_scenario_replays_words_durations_and_recording,
    inbound_calls_match_on_the_callers_number,
);

const FROZEN_AT: &str = "2030-03-04T10:00:00Z";

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    app.as_key(key).post("/sandbox/scenarios", body, 200).await
}

async fn freeze(app: &TestApp, key: &str) {
    app.as_key(key)
        .post("/sandbox/clock", json!({"now": FROZEN_AT}), 200)
        .await;
}

/// Runs the organization's calls to their end: ten simulated minutes, or `seconds`.
async fn advance(app: &TestApp, key: &str, seconds: i64) {
    app.as_key(key)
        .post("/sandbox/clock/advance", json!({"seconds": seconds}), 200)
        .await;
}

async fn dial(app: &TestApp, org: &TestOrg, fixture: &Fixture, phone: &str) -> String {
    let body = json!({"number_id": fixture.number_id.to_string(), "phone_number": phone});
    id_of(
        &app.as_key(&org.owner_key)
            .post("/dial/outbound", body, 200)
            .await,
    )
}

async fn call(app: &TestApp, key: &str, id: &str) -> Value {
    app.as_key(key).get(&format!("/calls/{id}"), 200).await
}

fn ending(call: &Value) -> (String, String) {
    let text = |v: &Value| v.as_str().unwrap_or("null").to_owned();
    (text(&call["status"]), text(&call["end_reason"]))
}

async fn messages(app: &TestApp, key: &str, id: &str) -> Vec<Value> {
    let transcript = app
        .as_key(key)
        .get(&format!("/calls/{id}/transcript"), 200)
        .await;
    transcript["messages"].as_array().unwrap().clone()
}

fn said_by<'a>(messages: &'a [Value], role: &str) -> Vec<&'a str> {
    messages
        .iter()
        .filter(|m| m["role"] == role)
        .map(|m| m["content"].as_str().unwrap())
        .collect()
}

async fn scenarios_are_created_listed_read_and_deleted_by_their_organization(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let first = create(&app, &owner, json!({"match": "+1555*", "outcome": "busy"})).await;
    assert_eq!(first["match"], "+1555*");
    assert_eq!(first["outcome"], "busy");
    assert_eq!(first["weights"], Value::Null);
    assert_eq!(first["ring_secs"], 5, "the default: {first}");
    assert_eq!(first["talk_secs"], 60);
    assert_eq!(first["callee_lines"], json!([]));
    assert_eq!(first["seed"], 0);
    assert_eq!(first["created_at"], START);
    assert_eq!(first["organization_id"], app.org.id.to_string().as_str());
    let second = create(
        &app,
        &owner,
        json!({"match": "+14155550123", "weights": {"completed": 3, "dropped": 1},
               "ring_secs": 0, "talk_secs": 3600, "callee_lines": ["Hello?"], "seed": 42}),
    )
    .await;
    assert_eq!(second["weights"], json!({"completed": 3, "dropped": 1}));
    assert_eq!(second["outcome"], Value::Null);

    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let listed = app.as_key(&viewer).get("/sandbox/scenarios", 200).await;
    assert_eq!(listed, json!([first, second]), "oldest first");
    let path = format!("/sandbox/scenarios/{}", id_of(&first));
    assert_eq!(app.as_key(&viewer).get(&path, 200).await, first);
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    app.as_key(&rep)
        .post(
            "/sandbox/scenarios",
            json!({"match": "*", "outcome": "busy"}),
            403,
        )
        .await;
    app.as_key(&rep).delete(&path, 403).await;

    let other = app.new_org("Other Freight", "boss@other.test").await;
    assert_error_body(&app.as_key(&other.owner_key).get(&path, 404).await);
    app.as_key(&other.owner_key).delete(&path, 404).await;
    let theirs = app
        .as_key(&other.owner_key)
        .get("/sandbox/scenarios", 200)
        .await;
    assert_eq!(theirs, json!([]));

    assert_eq!(app.owner().delete(&path, 200).await, first);
    app.owner().get(&path, 404).await;
    assert_eq!(
        app.owner().get("/sandbox/scenarios", 200).await,
        json!([second])
    );
    app.owner().get("/sandbox/scenarios/not-an-id", 400).await;
}

async fn scenarios_are_validated_field_by_field(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let long = "x".repeat(501);
    for (body, fields) in [
        (json!({"outcome": "busy"}), vec!["match"]),
        (json!({"match": "1555*", "outcome": "busy"}), vec!["match"]),
        (json!({"match": "+1a*", "outcome": "busy"}), vec!["match"]),
        (json!({"match": "*"}), vec!["outcome"]),
        (json!({"match": "*", "outcome": "ringing"}), vec!["outcome"]),
        (
            json!({"match": "*", "outcome": "busy", "weights": {"busy": 1}}),
            vec!["weights"],
        ),
        (json!({"match": "*", "weights": {}}), vec!["weights"]),
        (
            json!({"match": "*", "weights": {"busy": 0, "maybe": 1}}),
            vec!["weights.busy", "weights.maybe"],
        ),
        (
            json!({"match": "*", "outcome": "busy", "ring_secs": 121, "talk_secs": 0}),
            vec!["ring_secs", "talk_secs"],
        ),
        (
            json!({"match": "*", "outcome": "busy", "talk_secs": 3601, "seed": -1}),
            vec!["talk_secs", "seed"],
        ),
        (
            json!({"match": "*", "outcome": "busy", "callee_lines": ["ok", " ", long]}),
            vec!["callee_lines[1]", "callee_lines[2]"],
        ),
        (
            json!({"match": "*", "outcome": "busy", "callee_lines": vec!["Yes."; 51]}),
            vec!["callee_lines"],
        ),
    ] {
        let refused = app
            .owner()
            .post("/sandbox/scenarios", body.clone(), 422)
            .await;
        assert_error_body(&refused);
        let named: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(named, fields, "{body}: {refused}");
    }
    assert_eq!(app.owner().get("/sandbox/scenarios", 200).await, json!([]));
}

async fn scenario_routes_are_404_without_sandbox(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let path = "/sandbox/scenarios/0123456789abcdef01234567";
    for (method, path, body) in [
        ("GET", "/sandbox/scenarios", None),
        (
            "POST",
            "/sandbox/scenarios",
            Some(json!({"match": "*", "outcome": "busy"})),
        ),
        ("GET", path, None),
        ("DELETE", path, None),
    ] {
        let method = method.parse().unwrap();
        let answer = app.owner().expect(method, path, body, 404).await;
        assert!(
            answer["message"].as_str().unwrap().contains("--sandbox"),
            "{answer}"
        );
    }
}

async fn each_outcome_ends_the_call_as_its_built_in_number_does(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Outcomes", "amd": true, "amd_behavior": "Hangup"}),
        )
        .await;
    freeze(&app, &owner).await;
    let expected = [
        ("completed", "Completed", "completed"),
        ("busy", "Busy", "busy"),
        ("no_answer", "No answer", "no_answer"),
        ("failed", "Failed", "provider_error"),
        ("voicemail", "AMD Terminated", "voicemail"),
        ("transferred", "Transferred", "transferred"),
        ("max_duration", "Completed", "max_duration"),
        ("dropped", "Failed", "provider_error"),
    ];
    let mut dialed = Vec::new();
    for (n, (outcome, ..)) in expected.iter().enumerate() {
        let number = format!("+1444555010{n}");
        create(
            &app,
            &owner,
            json!({"match": number, "outcome": outcome, "ring_secs": 3, "talk_secs": 40}),
        )
        .await;
        dialed.push(dial(&app, &app.org, &fixture, &number).await);
    }
    advance(&app, &owner, 1200).await;
    for ((outcome, status, reason), id) in expected.iter().zip(&dialed) {
        let done = call(&app, &owner, id).await;
        assert_eq!(
            ending(&done),
            (status.to_string(), reason.to_string()),
            "{outcome}: {done}"
        );
        let duration = done["duration"].as_f64().unwrap();
        let talked = match *outcome {
            "completed" | "transferred" | "dropped" => 40.0,
            "max_duration" => 600.0,
            _ => 0.0,
        };
        assert!((duration - talked).abs() < 0.01, "{outcome}: {duration}");
    }
}

async fn the_most_specific_scenario_wins_before_the_built_in_numbers(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let fixture = app.number_with_use_case(&app.org, "Precedence").await;
    freeze(&app, &owner).await;
    create(&app, &owner, json!({"match": "*", "outcome": "busy"})).await;
    create(
        &app,
        &owner,
        json!({"match": "+1555010*", "outcome": "failed"}),
    )
    .await;
    create(
        &app,
        &owner,
        json!({"match": BUSY, "outcome": "completed", "talk_secs": 5}),
    )
    .await;
    let exact = dial(&app, &app.org, &fixture, BUSY).await;
    let prefix = dial(&app, &app.org, &fixture, NO_ANSWER).await;
    let anything = dial(&app, &app.org, &fixture, "+14155550999").await;
    advance(&app, &owner, 600).await;
    assert_eq!(call(&app, &owner, &exact).await["status"], "Completed");
    assert_eq!(call(&app, &owner, &prefix).await["status"], "Failed");
    assert_eq!(call(&app, &owner, &anything).await["status"], "Busy");

    // Equally specific: the newest wins.
    create(&app, &owner, json!({"match": "*", "outcome": "no_answer"})).await;
    let newest = dial(&app, &app.org, &fixture, "+14155550999").await;
    advance(&app, &owner, 600).await;
    assert_eq!(call(&app, &owner, &newest).await["status"], "No answer");
}

async fn callee_lines_are_what_the_person_says(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let fixture = app.number_with_use_case(&app.org, "Lines").await;
    freeze(&app, &owner).await;
    let lines = [
        "Yes, this is Dana speaking.",
        "The truck is empty in Dallas.",
        "Send the rate confirmation over.",
    ];
    create(
        &app,
        &owner,
        json!({"match": "+14445550200", "outcome": "completed", "talk_secs": 120, "callee_lines": lines}),
    )
    .await;
    let id = dial(&app, &app.org, &fixture, "+14445550200").await;
    advance(&app, &owner, 600).await;
    let messages = messages(&app, &owner, &id).await;
    let said = said_by(&messages, "user");
    assert!(said.len() > lines.len(), "{said:?}");
    assert_eq!(said[..lines.len()], lines, "{messages:#?}");
}

async fn a_dropped_call_keeps_the_transcript_up_to_the_drop(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let fixture = app.number_with_use_case(&app.org, "Drops").await;
    freeze(&app, &owner).await;
    create(
        &app,
        &owner,
        json!({"match": "+14445550300", "outcome": "dropped", "talk_secs": 25}),
    )
    .await;
    let id = dial(&app, &app.org, &fixture, "+14445550300").await;
    advance(&app, &owner, 600).await;
    let done = call(&app, &owner, &id).await;
    assert_eq!(ending(&done), ("Failed".into(), "provider_error".into()));
    let messages = messages(&app, &owner, &id).await;
    assert!(!said_by(&messages, "user").is_empty(), "{messages:#?}");
    let last_end = messages.last().unwrap()["end"].as_f64().unwrap();
    assert!(last_end <= 25.0, "{last_end}");
    let all = said_by(&messages, "assistant").join(" ").to_lowercase();
    assert!(!all.contains("have a great day"), "no goodbye: {all}");
    let logs = app.owner().get(&format!("/calls/{id}/logs"), 200).await;
    assert!(
        logs.to_string().contains("the line dropped mid-call"),
        "{logs}"
    );
}

/// The statuses of calls to twelve numbers, dialed at the same frozen instant by a new
/// organization whose only scenario draws from `weights` with `seed`.
async fn draws(app: &TestApp, name: &str, seed: u64) -> Vec<String> {
    let org = app
        .new_org(name, &format!("boss@{seed}{}.test", name.len()))
        .await;
    let fixture = app.number_with_use_case(&org, "Weighted").await;
    freeze(app, &org.owner_key).await;
    let weights = json!({"completed": 1, "busy": 1, "no_answer": 1});
    create(
        app,
        &org.owner_key,
        json!({"match": "+1444*", "weights": weights, "seed": seed, "talk_secs": 10}),
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(dial(app, &org, &fixture, &format!("+144455504{n:02}")).await);
    }
    advance(app, &org.owner_key, 600).await;
    let mut statuses = Vec::new();
    for id in &ids {
        let status = call(app, &org.owner_key, id).await["status"].clone();
        statuses.push(status.as_str().unwrap().to_owned());
    }
    statuses
}

async fn weights_draw_the_same_outcomes_from_the_same_seed(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let first = draws(&app, "First Freight", 7).await;
    let again = draws(&app, "Second Freight", 7).await;
    let reseeded = draws(&app, "Third Freight", 8).await;
    assert_eq!(first, again);
    assert_ne!(first, reseeded);
    for statuses in [&first, &reseeded] {
        for status in ["Completed", "Busy", "No answer"] {
            assert!(statuses.iter().any(|s| s == status), "{statuses:?}");
        }
    }
}

/// The call's transcript (role, words, offsets), duration and the SHA-256 of its recording,
/// fetched through its signed link.
async fn replay(app: &TestApp, org: &TestOrg) -> (String, Vec<Value>, Value, String) {
    let key = &org.owner_key;
    let fixture = app.number_with_use_case(org, "Replays").await;
    freeze(app, key).await;
    create(
        app,
        key,
        json!({"match": "+14445550500", "outcome": "completed", "talk_secs": 90,
               "seed": 11, "callee_lines": ["Hi, Dana here.", "Sounds good."]}),
    )
    .await;
    let id = dial(app, org, &fixture, "+14445550500").await;
    advance(app, key, 600).await;
    let done = call(app, key, &id).await;
    assert_eq!(done["status"], "Completed", "{done}");
    let transcript: Vec<Value> = messages(app, key, &id)
        .await
        .into_iter()
        .map(|m| json!([m["role"], m["content"], m["start"], m["end"]]))
        .collect();
    let link = app
        .as_key(key)
        .get(&format!("/calls/{id}/recording"), 200)
        .await;
    let response = reqwest::get(link["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    let wav = response.bytes().await.unwrap();
    let digest = hex::encode(Sha256::digest(&wav));
    (id, transcript, done["duration"].clone(), digest)
}

async fn the_same_scenario_replays_words_durations_and_recording(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let (first_id, first, first_duration, first_wav) = replay(&app, &app.org).await;
    let other = app.new_org("Replay Freight", "boss@replay.test").await;
    let (again_id, again, again_duration, again_wav) = replay(&app, &other).await;
    assert_ne!(first_id, again_id, "two calls, two ids");
    assert_eq!(first, again);
    assert_eq!(first_duration, again_duration);
    assert_eq!(first_wav, again_wav);
}

async fn inbound_calls_match_on_the_callers_number(db: TestDatabase) {
    let app = TestApp::spawn_sandbox(db).await;
    let owner = app.org.owner_key.clone();
    let fixture = app.number_with_use_case(&app.org, "Reception").await;
    freeze(&app, &owner).await;
    let caller = "+14445550600";
    create(&app, &owner, json!({"match": caller, "outcome": "busy"})).await;
    // Matched on the number called, this one would fail the call instead.
    create(
        &app,
        &owner,
        json!({"match": fixture.number, "outcome": "failed"}),
    )
    .await;
    let ringing = app
        .owner()
        .post(
            "/sim/inbound",
            json!({"to": fixture.number, "from": caller}),
            200,
        )
        .await;
    advance(&app, &owner, 600).await;
    let done = call(&app, &owner, &id_of(&ringing)).await;
    assert_eq!(ending(&done), ("Busy".into(), "busy".into()), "{done}");
}
