//! What decides when a call is dialed (schedule, working hours, the per-organization
//! limit) and how stop and cancel act on it at each status (contract §4 #9, #10, §8).

use crate::common::TestDatabase;
use crate::harness::{
    TestApp, assert_error_body, closed_openai_endpoint, id_of, test_engine_config,
};
use serde_json::{Value, json};
use std::sync::Arc;
use switchyard::config::HttpConfig;
use switchyard_engine::analysis::openai::OpenAiAnalyzer;
use switchyard_engine::config::EngineConfig;
use switchyard_engine::llm::{ChatApi, OpenAiConfig};
use switchyard_engine::sim;

crate::backend_tests!(
    cancel_and_stop_follow_the_state_machine,
    stopping_a_live_call_hangs_it_up_and_keeps_what_was_said,
    scheduled_calls_are_dialed_when_due,
    calls_wait_for_working_hours,
    the_organization_limit_keeps_calls_queued,
    calls_that_wait_until_awake_wait_for_the_ai_backend,
);

async fn status(app: &TestApp, id: &str) -> Value {
    app.owner().get(&format!("/calls/{id}"), 200).await
}

async fn cancel_and_stop_follow_the_state_machine(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;

    // Queued: cancel yes, stop no.
    let queued = id_of(&app.dial(&fixture, "+14155550301", json!({})).await);
    let refused = app
        .owner()
        .post(&format!("/calls/{queued}/stop"), json!({}), 409)
        .await;
    assert_error_body(&refused);
    assert!(
        refused["message"].as_str().unwrap().contains("Queued"),
        "{refused}"
    );
    let canceled = app
        .owner()
        .post(&format!("/calls/{queued}/cancel"), json!({}), 200)
        .await;
    assert_eq!(
        (canceled["status"].as_str(), canceled["end_reason"].as_str()),
        (Some("Canceled"), Some("canceled"))
    );
    app.run_engine().await;
    assert_eq!(
        status(&app, &queued).await["status"],
        "Canceled",
        "a canceled call is never dialed"
    );

    // Scheduled: cancel yes.
    let later = app.now().plus_seconds(3600).to_string();
    let scheduled = id_of(
        &app.dial(&fixture, "+14155550302", json!({"scheduled_for": later}))
            .await,
    );
    app.owner()
        .post(&format!("/calls/{scheduled}/stop"), json!({}), 409)
        .await;
    app.owner()
        .post(&format!("/calls/{scheduled}/cancel"), json!({}), 200)
        .await;

    // Initiated: stop yes (-> Canceled), cancel no.
    let initiated = id_of(&app.dial(&fixture, "+14155550303", json!({})).await);
    app.run_engine().await;
    assert_eq!(status(&app, &initiated).await["status"], "Initiated");
    app.owner()
        .post(&format!("/calls/{initiated}/cancel"), json!({}), 409)
        .await;
    let stopped = app
        .owner()
        .post(&format!("/calls/{initiated}/stop"), json!({}), 200)
        .await;
    assert_eq!(
        (stopped["status"].as_str(), stopped["end_reason"].as_str()),
        (Some("Canceled"), Some("stopped"))
    );

    // Ringing: stop yes (-> Canceled).
    let ringing = id_of(&app.dial(&fixture, "+14155550304", json!({})).await);
    app.run_engine().await;
    app.advance(2).await;
    assert_eq!(status(&app, &ringing).await["status"], "Ringing");
    let stopped = app
        .owner()
        .post(&format!("/calls/{ringing}/stop"), json!({}), 200)
        .await;
    assert_eq!(stopped["status"], "Canceled");

    // The engine hangs stopped calls up and forgets them: nothing moves them on.
    app.advance(600).await;
    for id in [&initiated, &ringing] {
        let after = status(&app, id).await;
        assert_eq!(
            (after["status"].as_str(), after["end_reason"].as_str()),
            (Some("Canceled"), Some("stopped"))
        );
        assert_eq!(after["duration"], 0.0);
    }

    // Final calls accept neither.
    for id in [&queued, &initiated, &ringing] {
        app.owner()
            .post(&format!("/calls/{id}/stop"), json!({}), 409)
            .await;
        app.owner()
            .post(&format!("/calls/{id}/cancel"), json!({}), 409)
            .await;
    }
    // Unknown calls are 404, viewers may not.
    app.owner()
        .post("/calls/0123456789abcdef01234567/stop", json!({}), 404)
        .await;
    let viewer = app
        .key(
            &app.org,
            "viewer@acme.test",
            switchyard_core::enums::Role::Viewer,
        )
        .await;
    let fresh = id_of(&app.dial(&fixture, "+14155550305", json!({})).await);
    app.as_key(&viewer)
        .post(&format!("/calls/{fresh}/cancel"), json!({}), 403)
        .await;
}

async fn stopping_a_live_call_hangs_it_up_and_keeps_what_was_said(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let id = id_of(&app.dial(&fixture, sim::MAX_DURATION, json!({})).await);
    app.run_engine().await;
    app.advance(15).await;
    assert_eq!(status(&app, &id).await["status"], "In progress");
    app.advance(40).await;

    let stopped = app
        .owner()
        .post(&format!("/calls/{id}/stop"), json!({}), 200)
        .await;
    assert_eq!(
        (stopped["status"].as_str(), stopped["end_reason"].as_str()),
        (Some("Completed"), Some("stopped"))
    );
    // The engine finishes it at once: transcript cut at the stop, duration, recording.
    app.run_engine().await;
    let done = status(&app, &id).await;
    assert_eq!(done["status"], "Completed");
    let duration = done["duration"].as_f64().unwrap();
    assert!(
        (40.0..=53.0).contains(&duration),
        "talked from the answer to the stop: {duration}"
    );
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
    assert!(last["end"].as_f64().unwrap() <= duration);
    app.owner()
        .get(&format!("/calls/{id}/recording"), 200)
        .await;
    let logs = app.owner().get(&format!("/calls/{id}/logs"), 200).await;
    assert!(logs.as_array().unwrap().iter().any(|l| {
        l["message"]
            .as_str()
            .unwrap()
            .contains("stopped through the API")
    }));
    // Nothing more happens to it, even when its deadline passes.
    app.advance(3600).await;
    assert_eq!(status(&app, &id).await, done);
}

async fn scheduled_calls_are_dialed_when_due(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let at = app.now().plus_seconds(3600);
    let id = id_of(
        &app.dial(
            &fixture,
            "+14155550310",
            json!({"scheduled_for": at.to_string()}),
        )
        .await,
    );
    app.run_engine().await;
    app.advance(3599).await;
    assert_eq!(status(&app, &id).await["status"], "Scheduled");
    let report = app.advance(1).await;
    assert_eq!((report.enqueued, report.dispatched), (1, 1));
    let dialed = status(&app, &id).await;
    assert_eq!(dialed["status"], "Initiated");
    assert_eq!(dialed["scheduled_for"], at.to_string());
}

async fn calls_wait_for_working_hours(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    // The test clock starts at 12:00 UTC, a Monday; this use case calls from 14:00 to 16:00.
    let fixture = app
        .number_for(&app.org, json!({"name": "Afternoons", "work_start": "14:00", "work_end": "16:00", "timezone": "UTC"}))
        .await;
    let id = id_of(&app.dial(&fixture, "+14155550320", json!({})).await);
    app.run_engine().await;
    assert_eq!(status(&app, &id).await["status"], "Queued");
    let logs = app.owner().get(&format!("/calls/{id}/logs"), 200).await;
    assert!(
        logs[0]["message"]
            .as_str()
            .unwrap()
            .contains("2024-01-01T14:00:00Z"),
        "{logs}"
    );
    app.advance(2 * 3600 - 1).await;
    assert_eq!(status(&app, &id).await["status"], "Queued");
    app.advance(1).await;
    assert_eq!(status(&app, &id).await["status"], "Initiated");

    // Closing time: a call dialed at 16:00 waits for tomorrow 14:00.
    app.advance(2 * 3600).await;
    let late = id_of(&app.dial(&fixture, "+14155550321", json!({})).await);
    app.run_engine().await;
    assert_eq!(status(&app, &late).await["status"], "Queued");
    app.advance(22 * 3600).await;
    assert_eq!(status(&app, &late).await["status"], "Initiated");
}

async fn the_organization_limit_keeps_calls_queued(db: TestDatabase) {
    let engine = EngineConfig {
        concurrency_per_org: 3,
        ..test_engine_config()
    };
    let app = TestApp::spawn_configured(db, HttpConfig::default(), engine).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let other_fixture = app.number_with_use_case(&other, "Theirs").await;
    let ids: Vec<String> = dial_many(&app, &fixture, 5).await;
    let theirs = app
        .as_key(&other.owner_key)
        .post("/dial/outbound", json!({"number_id": other_fixture.number_id.to_string(), "phone_number": "+14155550399"}), 200)
        .await;

    app.run_engine().await;
    let statuses = |calls: Vec<Value>| {
        calls
            .iter()
            .map(|c| c["status"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let mut now = Vec::new();
    for id in &ids {
        now.push(status(&app, id).await);
    }
    assert_eq!(
        statuses(now),
        ["Initiated", "Initiated", "Initiated", "Queued", "Queued"]
    );
    // Another organization has its own allowance.
    let theirs = app
        .as_key(&other.owner_key)
        .get(&format!("/calls/{}", id_of(&theirs)), 200)
        .await;
    assert_eq!(theirs["status"], "Initiated");

    // As the first calls end, the waiting ones are dialed; at no time are more than 3 live.
    for _ in 0..30 {
        app.advance(30).await;
        let mut live = 0;
        for id in &ids {
            let call = status(&app, id).await;
            live += usize::from(
                ["Initiated", "Ringing", "In progress"].contains(&call["status"].as_str().unwrap()),
            );
        }
        assert!(live <= 3, "{live} live calls");
    }
    for id in &ids {
        assert_eq!(status(&app, id).await["status"], "Completed");
    }
}

async fn dial_many(app: &TestApp, fixture: &crate::harness::Fixture, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(id_of(
            &app.dial(fixture, &format!("+1415555033{i}"), json!({}))
                .await,
        ));
    }
    ids
}

async fn calls_that_wait_until_awake_wait_for_the_ai_backend(db: TestDatabase) {
    // An OpenAI-compatible backend that is down: nothing listens on the port.
    let endpoint = closed_openai_endpoint();
    let config = OpenAiConfig {
        primary: endpoint,
        backup: None,
        timeout: std::time::Duration::from_secs(2),
    };
    let analyzer = Arc::new(OpenAiAnalyzer::new(Arc::new(ChatApi::new(config).unwrap())));
    let app = TestApp::spawn_with_ai(
        db,
        HttpConfig::default(),
        test_engine_config(),
        analyzer,
        None,
    )
    .await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let patient = id_of(
        &app.dial(&fixture, "+14155550340", json!({"wait_until_awake": true}))
            .await,
    );
    let eager = id_of(&app.dial(&fixture, "+14155550341", json!({})).await);
    app.run_engine().await;
    assert_eq!(status(&app, &patient).await["status"], "Queued");
    let logs = app
        .owner()
        .get(&format!("/calls/{patient}/logs"), 200)
        .await;
    assert!(
        logs[0]["message"]
            .as_str()
            .unwrap()
            .contains("AI backend is unavailable"),
        "{logs}"
    );
    // Without the flag the call goes ahead; its analysis fails and says so.
    assert_eq!(status(&app, &eager).await["status"], "Initiated");
    app.advance(300).await;
    let done = status(&app, &eager).await;
    assert_eq!(done["status"], "Completed");
    assert!(done.get("extraction").is_none());
    let logs = app.owner().get(&format!("/calls/{eager}/logs"), 200).await;
    assert!(
        logs.as_array()
            .unwrap()
            .iter()
            .any(|l| l["event"] == "analysis" && l["level"] == "error"),
        "{logs}"
    );
    // Still waiting, and looked at again every 30 seconds.
    assert_eq!(status(&app, &patient).await["status"], "Queued");
}
