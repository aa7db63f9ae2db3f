//! Calls on the simulated network (contract §8, §9): every deterministic number, the
//! analysis, costs, transcript and logs. The clock is moved by hand; the engine runs what
//! is due.

use crate::common::TestDatabase;
use crate::harness::{Fixture, TestApp, id_of};
use serde_json::{Value, json};
use switchyard_engine::sim;

crate::backend_tests!(
    an_answered_call_is_transcribed_analyzed_and_billed,
    each_deterministic_number_ends_as_the_contract_says,
    answering_machines_get_the_use_cases_amd_behaviour,
    the_call_cap_comes_from_the_call_then_the_use_case,
    logs_list_every_step_in_order,
);

/// A use case that extracts `load_id` and classifies into two tags.
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

async fn call(app: &TestApp, id: &str) -> Value {
    app.owner().get(&format!("/calls/{id}"), 200).await
}

/// Dials `phone` and runs the engine until the call has ended (at most an hour later).
async fn dial_to_the_end(app: &TestApp, fixture: &Fixture, phone: &str, extra: Value) -> Value {
    let id = id_of(&app.dial(fixture, phone, extra).await);
    app.run_engine().await;
    for _ in 0..60 {
        let now = call(app, &id).await;
        if now["end_reason"].is_string() {
            return now;
        }
        app.advance(60).await;
    }
    panic!("call {id} did not end within an hour");
}

async fn an_answered_call_is_transcribed_analyzed_and_billed(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = carrier_sales(&app).await;
    let dialed = app
        .dial(
            &fixture,
            "+14155550123",
            json!({"params": {"load_id": "LD-42"}}),
        )
        .await;
    let id = id_of(&dialed);
    assert_eq!(dialed["status"], "Queued");

    assert_eq!(app.run_engine().await.dispatched, 1);
    let initiated = call(&app, &id).await;
    assert_eq!(initiated["status"], "Initiated");
    assert!(
        initiated["metadata"]["call_sid"]
            .as_str()
            .unwrap()
            .starts_with("CA")
    );
    app.owner()
        .get(&format!("/calls/{id}/transcript"), 404)
        .await;

    app.advance(2).await;
    assert_eq!(call(&app, &id).await["status"], "Ringing");
    app.advance(13).await;
    let answered = call(&app, &id).await;
    assert_eq!(answered["status"], "In progress");
    assert!(
        answered.get("duration").is_none(),
        "no duration before the end"
    );

    app.advance(200).await;
    let done = call(&app, &id).await;
    assert_eq!(done["status"], "Completed");
    assert_eq!(done["end_reason"], "completed");
    assert_eq!(done["answered_by"], "human");
    let duration = done["duration"].as_f64().unwrap();
    assert!((45.0..=180.0).contains(&duration), "{duration}");
    // The analysis: params first, else the field's example; a tag of the use case, also in metadata.tags.
    assert_eq!(
        done["extraction"],
        json!({"load_id": "LD-42", "rate": 1500})
    );
    let tag = done["classification"]["tag"].as_str().unwrap();
    assert!(["booked", "declined"].contains(&tag));
    assert!(
        !done["classification"]["reasoning"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert_eq!(done["metadata"]["tags"], json!([tag]));
    assert_eq!(
        app.owner().get(&format!("/calls?tags={tag}"), 200).await["count"],
        1
    );
    let costs = &done["costs"];
    assert_eq!(costs["currency"], "USD");
    let (telephony, ai, total) = (
        costs["telephony"].as_f64().unwrap(),
        costs["ai"].as_f64().unwrap(),
        costs["total"].as_f64().unwrap(),
    );
    assert!(telephony > 0.0 && ai > 0.0);
    assert!((telephony + ai - total).abs() < 1e-9);

    let transcript = app
        .owner()
        .get(&format!("/calls/{id}/transcript"), 200)
        .await;
    assert_eq!(transcript["call_id"], id.as_str());
    assert_eq!(transcript["organization_id"], app.org.id.to_string());
    assert!(transcript["start_time"].as_f64().unwrap() > 1_704_110_400.0);
    let messages = transcript["messages"].as_array().unwrap();
    assert!(messages.len() >= 4);
    assert_eq!(messages[0]["role"], "system");
    let mut last_end = 0.0;
    for message in messages {
        let (start, end) = (
            message["start"].as_f64().unwrap(),
            message["end"].as_f64().unwrap(),
        );
        assert!(
            start >= last_end - 1e-9 && end >= start && end <= duration + 1e-9,
            "{message}"
        );
        last_end = end;
    }
    // The built-in prompt has no tools: nothing is invented as if one had been called.
    assert!(
        messages
            .iter()
            .all(|m| m["role"] != "tool" && m["tool_calls"].is_null())
    );
}

async fn each_deterministic_number_ends_as_the_contract_says(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Rows of §9", "transfer_number": "+14155550100"}),
        )
        .await;
    for (phone, status, end_reason, answered, talked) in [
        (sim::BUSY, "Busy", "busy", None, false),
        (sim::NO_ANSWER, "No answer", "no_answer", None, false),
        (sim::FAILED, "Failed", "provider_error", None, false),
        // AMD off: a machine is taken for a person and the call goes on.
        (sim::MACHINE, "Completed", "completed", Some("human"), true),
        (
            sim::TRANSFER,
            "Transferred",
            "transferred",
            Some("human"),
            true,
        ),
        (
            sim::MAX_DURATION,
            "Completed",
            "max_duration",
            Some("human"),
            true,
        ),
        (
            "+14155550111",
            "Completed",
            "completed",
            Some("human"),
            true,
        ),
    ] {
        let done = dial_to_the_end(&app, &fixture, phone, json!({})).await;
        let id = id_of(&done);
        assert_eq!(
            (done["status"].as_str(), done["end_reason"].as_str()),
            (Some(status), Some(end_reason)),
            "{phone}"
        );
        assert_eq!(done["answered_by"].as_str(), answered, "{phone}");
        let transcript_status = if talked { 200 } else { 404 };
        app.owner()
            .get(&format!("/calls/{id}/transcript"), transcript_status)
            .await;
        app.owner()
            .get(&format!("/calls/{id}/recording"), transcript_status)
            .await;
        let duration = done["duration"].as_f64().unwrap();
        if !talked {
            assert_eq!(duration, 0.0, "{phone}");
        }
        if phone == sim::MAX_DURATION {
            assert_eq!(duration, 600.0, "the default cap is 10 minutes");
        }
        if phone == sim::TRANSFER {
            let transcript = app
                .owner()
                .get(&format!("/calls/{id}/transcript"), 200)
                .await;
            let last = transcript["messages"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .clone();
            assert!(
                last["content"].as_str().unwrap().contains("+14155550100"),
                "{last}"
            );
        }
    }
}

async fn answering_machines_get_the_use_cases_amd_behaviour(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let voicemail = "Hi, this is Switchyard about your load. Please call us back.";
    let amd = |behavior: &str| {
        json!({"name": format!("AMD {behavior}"), "amd": true, "amd_behavior": behavior,
               "amd_messages": {"en-US": voicemail}})
    };
    let hangup = app.number_for(&app.org, amd("Hangup")).await;
    let done = dial_to_the_end(&app, &hangup, sim::MACHINE, json!({})).await;
    assert_eq!(
        (done["status"].as_str(), done["end_reason"].as_str()),
        (Some("AMD Terminated"), Some("voicemail"))
    );
    assert_eq!(done["answered_by"], "machine");

    let message = app.number_for(&app.org, amd("Message")).await;
    let done = dial_to_the_end(&app, &message, sim::MACHINE, json!({})).await;
    assert_eq!(
        (done["status"].as_str(), done["end_reason"].as_str()),
        (Some("Completed"), Some("voicemail"))
    );
    assert_eq!(done["answered_by"], "machine");
    let transcript = app
        .owner()
        .get(&format!("/calls/{}/transcript", id_of(&done)), 200)
        .await;
    let spoken: Vec<&str> = transcript["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "assistant")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(spoken, vec![voicemail]);

    let carry_on = app.number_for(&app.org, amd("Continue")).await;
    let done = dial_to_the_end(&app, &carry_on, sim::MACHINE, json!({})).await;
    assert_eq!(
        (done["status"].as_str(), done["end_reason"].as_str()),
        (Some("Completed"), Some("completed"))
    );
    assert_eq!(done["answered_by"], "machine");
}

async fn the_call_cap_comes_from_the_call_then_the_use_case(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let capped = app
        .number_for(
            &app.org,
            json!({"name": "Short calls", "max_duration_mins": 2}),
        )
        .await;
    let by_use_case = dial_to_the_end(&app, &capped, sim::MAX_DURATION, json!({})).await;
    assert_eq!(by_use_case["duration"], 120.0);
    let by_call = dial_to_the_end(
        &app,
        &capped,
        sim::MAX_DURATION,
        json!({"max_duration_mins": 1}),
    )
    .await;
    assert_eq!(by_call["duration"], 60.0);
    assert_eq!(by_call["end_reason"], "max_duration");
    let transcript = app
        .owner()
        .get(&format!("/calls/{}/transcript", id_of(&by_call)), 200)
        .await;
    let last = transcript["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(last["end"].as_f64().unwrap() <= 60.0);
}

async fn logs_list_every_step_in_order(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = carrier_sales(&app).await;
    let done = dial_to_the_end(&app, &fixture, "+14155550124", json!({})).await;
    let logs = app
        .owner()
        .get(&format!("/calls/{}/logs", id_of(&done)), 200)
        .await;
    let logs = logs.as_array().unwrap();
    for (i, line) in logs.iter().enumerate() {
        assert_eq!(line["seq"], i as u64 + 1);
        for key in ["timestamp", "level", "event", "message", "data"] {
            assert!(line.get(key).is_some(), "{key} in {line}");
        }
    }
    let transitions: Vec<(&str, &str)> = logs
        .iter()
        .filter(|l| l["event"] == "status")
        .map(|l| {
            (
                l["data"]["from"].as_str().unwrap(),
                l["data"]["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        transitions,
        vec![
            ("Queued", "Initiated"),
            ("Initiated", "Ringing"),
            ("Ringing", "In progress"),
            ("In progress", "Completed")
        ]
    );
    for event in ["provider", "analysis", "recording"] {
        assert!(logs.iter().any(|l| l["event"] == event), "a {event} line");
    }
    let times: Vec<&str> = logs
        .iter()
        .map(|l| l["timestamp"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "oldest first");
    // Another organization sees nothing of it.
    let other = app.new_org("Other Freight", "boss@other.test").await;
    app.as_key(&other.owner_key)
        .get(&format!("/calls/{}/logs", id_of(&done)), 404)
        .await;
    app.as_key(&other.owner_key)
        .get(&format!("/calls/{}/transcript", id_of(&done)), 404)
        .await;
}
