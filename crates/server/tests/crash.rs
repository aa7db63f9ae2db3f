//! Crash recovery with the real binary: a server killed with SIGKILL in the middle of a
//! call, then restarted on the same data directory, leaves no call stuck in a live status
//! and delivers the webhooks it owed. The test waits on the webhooks the server sends, not
//! on a timer.

#![allow(dead_code)]

#[path = "common/process.rs"]
mod process;
#[path = "api/receiver.rs"]
mod receiver;

use process::{Api, Server, create_org};
use receiver::Receiver;
use serde_json::json;
use std::time::Duration;
use switchyard_engine::sim;

const WAIT: Duration = Duration::from_secs(60);

const SERVE: &[&str] = &["--sim-speed", "10", "--allow-private-webhooks"];

#[tokio::test(flavor = "multi_thread")]
async fn a_call_in_progress_when_the_server_dies_ends_failed_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let key = create_org(dir.path(), "Crash Test", "ops@crash.test");
    let receiver = Receiver::start().await;
    let server = Server::start(dir.path(), SERVE);
    let api = Api {
        base: server.base.clone(),
        key,
        http: reqwest::Client::new(),
    };
    let use_case = api
        .post(
            "/use-cases",
            json!({"name": "Long calls", "hooks": [{"url": receiver.url}]}),
        )
        .await;
    let number = api.post("/numbers", json!({})).await;
    let number_path = format!("/numbers/{}", number["id"].as_str().unwrap());
    api.send(
        reqwest::Method::PATCH,
        &number_path,
        Some(json!({"use_case_id": use_case["id"]})),
    )
    .await;
    // Talks until its cap: an hour of simulated time, six minutes of real time at speed 10.
    let call = api
        .post("/dial/outbound", json!({"number_id": number["id"], "phone_number": sim::MAX_DURATION, "max_duration_mins": 60}))
        .await;
    let id = call["id"].as_str().unwrap().to_owned();

    let start = receiver.wait_for(WAIT, |e| e["type"] == "start").await;
    assert_eq!(start["call"]["id"], id.as_str());
    assert_eq!(
        api.get(&format!("/calls/{id}")).await["status"],
        "In progress"
    );
    server.kill();

    let restarted = Server::start(dir.path(), SERVE);
    let api = Api {
        base: restarted.base.clone(),
        ..api
    };
    let end = receiver.wait_for(WAIT, |e| e["type"] == "end").await;
    assert_eq!(end["call"]["id"], id.as_str());
    assert_eq!(end["call"]["status"], "Failed");
    let after = api.get(&format!("/calls/{id}")).await;
    assert_eq!(
        (after["status"].as_str(), after["end_reason"].as_str()),
        (Some("Failed"), Some("provider_error"))
    );
    let logs = api.get(&format!("/calls/{id}/logs")).await;
    assert!(
        logs.as_array()
            .unwrap()
            .iter()
            .any(|l| l["level"] == "error"
                && l["message"]
                    .as_str()
                    .unwrap()
                    .contains("stopped during the call")),
        "{logs}"
    );
    let live = api
        .get("/calls?statuses=Initiated,Ringing,In%20progress")
        .await;
    assert_eq!(live["count"], 0, "no call is left in a live status");
}
