//! Campaign retries (contract §5): a campaign call that ends in a status named by a
//! `retry_logic` rule is dialed again as a new call (`parent_call_id`), `retry_period`
//! minutes after it ended, up to `max_retries`, at most `max_retry_per_day` a UTC day.

use crate::common::TestDatabase;
use crate::harness::{Fixture, TestApp, id_of};
use serde_json::{Value, json};
use switchyard_core::time::Timestamp;
use switchyard_engine::sim::{BUSY, NO_ANSWER};

crate::backend_tests!(
    busy_campaign_calls_are_retried_until_max_retries,
    a_rule_that_does_not_match_the_outcome_creates_no_retry,
    max_retry_per_day_pushes_a_retry_to_the_next_utc_day,
);

/// Creates a campaign of one call to `phone` with `retry_logic` and `max_retries`; returns
/// (campaign id, the call).
async fn campaign(
    app: &TestApp,
    fixture: &Fixture,
    phone: &str,
    retry_logic: Value,
    max_retries: u32,
) -> (String, Value) {
    let body = json!({
        "number_id": fixture.number_id.to_string(),
        "campaign_name": "Follow-ups",
        "calls": [{"phone_number": phone}],
        "retry_logic": retry_logic,
        "max_retries": max_retries,
    });
    let created = app.owner().post("/dial/scheduled", body, 200).await;
    let calls = created["createdCalls"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    let campaign_id = created["campaign_id"].as_str().unwrap().to_owned();
    assert_eq!(calls[0]["campaign_id"], campaign_id.as_str());
    assert_eq!(calls[0]["status"], "Queued");
    (campaign_id, calls[0].clone())
}

/// The campaign's calls, oldest first.
async fn campaign_calls(app: &TestApp, campaign_id: &str) -> Vec<Value> {
    let page = app
        .owner()
        .get(&format!("/calls?campaigns={campaign_id}&sort=asc"), 200)
        .await;
    page["calls"].as_array().unwrap().clone()
}

async fn call(app: &TestApp, id: &str) -> Value {
    app.owner().get(&format!("/calls/{id}"), 200).await
}

async fn logs(app: &TestApp, id: &str) -> Vec<Value> {
    let logs = app.owner().get(&format!("/calls/{id}/logs"), 200).await;
    logs.as_array().unwrap().clone()
}

/// When the call reached `status`, from its status log line.
async fn ended_at(app: &TestApp, id: &str, status: &str) -> Timestamp {
    let logs = logs(app, id).await;
    let line = logs
        .iter()
        .find(|l| l["event"] == "status" && l["data"]["to"] == status)
        .unwrap_or_else(|| panic!("no change to {status} in {logs:#?}"));
    Timestamp::parse(line["timestamp"].as_str().unwrap()).unwrap()
}

fn campaign_messages(logs: &[Value]) -> Vec<String> {
    logs.iter()
        .filter(|l| l["event"] == "campaign")
        .map(|l| l["message"].as_str().unwrap().to_owned())
        .collect()
}

/// The one call of the campaign whose parent is `parent`.
fn retry_of<'a>(calls: &'a [Value], parent: &str) -> &'a Value {
    let retries: Vec<&Value> = calls
        .iter()
        .filter(|c| c["parent_call_id"] == parent)
        .collect();
    assert_eq!(retries.len(), 1, "retries of {parent}: {retries:#?}");
    retries[0]
}

fn assert_is_retry(retry: &Value, parent: &Value, campaign_id: &str, due: Timestamp) {
    assert_eq!(retry["status"], "Scheduled", "{retry}");
    assert_eq!(retry["parent_call_id"], parent["id"]);
    assert_eq!(retry["campaign_id"], campaign_id);
    assert_eq!(retry["scheduled_for"], due.to_string().as_str());
    assert_eq!(retry["type"], "Outbound");
    assert_eq!(retry["metadata"]["to"], parent["metadata"]["to"]);
    assert_eq!(retry["metadata"]["from"], parent["metadata"]["from"]);
    assert_eq!(retry["use_case"]["id"], parent["use_case"]["id"]);
    assert_eq!(retry["agent"], parent["agent"]);
    assert_ne!(retry["id"], parent["id"]);
    for gone in ["duration", "end_reason", "costs", "answered_by"] {
        assert!(
            retry.get(gone).is_none(),
            "a fresh call has no `{gone}`: {retry}"
        );
    }
}

async fn busy_campaign_calls_are_retried_until_max_retries(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let rule = json!([{"query": "Busy,No answer", "retry_period": 30, "max_retry_per_day": 5}]);
    let (campaign_id, first) = campaign(&app, &fixture, BUSY, rule, 2).await;
    let first_id = id_of(&first);

    app.run_engine().await;
    // Busy within 1.4 + 4 s.
    app.advance(10).await;
    let first = call(&app, &first_id).await;
    assert_eq!(first["status"], "Busy");
    assert_eq!(first["end_reason"], "busy");
    let first_end = ended_at(&app, &first_id, "Busy").await;
    let calls = campaign_calls(&app, &campaign_id).await;
    assert_eq!(calls.len(), 2, "{calls:#?}");
    let retry1 = retry_of(&calls, &first_id).clone();
    assert_is_retry(
        &retry1,
        &first,
        &campaign_id,
        first_end.plus_seconds(30 * 60),
    );
    let retry1_id = id_of(&retry1);
    let messages = campaign_messages(&logs(&app, &first_id).await);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains(&retry1_id), "{}", messages[0]);
    assert!(messages[0].contains("retry 1 of 2"), "{}", messages[0]);

    // Not before its time...
    app.advance(29 * 60).await;
    assert_eq!(call(&app, &retry1_id).await["status"], "Scheduled");
    // ...then dialed.
    app.advance(2 * 60).await;
    let dialed = call(&app, &retry1_id).await;
    assert!(
        ["Initiated", "Ringing"].contains(&dialed["status"].as_str().unwrap()),
        "{dialed}"
    );
    assert!(dialed["metadata"]["call_sid"].is_string());
    app.advance(10).await;
    let retry1 = call(&app, &retry1_id).await;
    assert_eq!(retry1["status"], "Busy");
    let retry1_end = ended_at(&app, &retry1_id, "Busy").await;
    let calls = campaign_calls(&app, &campaign_id).await;
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let retry2 = retry_of(&calls, &retry1_id).clone();
    assert_is_retry(
        &retry2,
        &retry1,
        &campaign_id,
        retry1_end.plus_seconds(30 * 60),
    );
    let retry2_id = id_of(&retry2);
    let messages = campaign_messages(&logs(&app, &retry1_id).await);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("retry 2 of 2"), "{}", messages[0]);
    // The original call is retried once only.
    assert_eq!(retry_of(&calls, &first_id)["id"], retry1_id.as_str());

    app.advance(31 * 60).await;
    app.advance(10).await;
    assert_eq!(call(&app, &retry2_id).await["status"], "Busy");
    app.advance(3 * 3600).await;
    let calls = campaign_calls(&app, &campaign_id).await;
    assert_eq!(calls.len(), 3, "no third retry: {calls:#?}");
    assert!(calls.iter().all(|c| c["status"] == "Busy"), "{calls:#?}");
    let messages = campaign_messages(&logs(&app, &retry2_id).await);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("retries are used up"),
        "{}",
        messages[0]
    );
}

async fn a_rule_that_does_not_match_the_outcome_creates_no_retry(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let rule = json!([{"query": "No answer,Failed", "retry_period": 5, "max_retry_per_day": 5}]);
    let (campaign_id, busy) = campaign(&app, &fixture, BUSY, rule.clone(), 3).await;
    app.run_engine().await;
    app.advance(10).await;
    assert_eq!(call(&app, &id_of(&busy)).await["status"], "Busy");
    app.advance(3600).await;
    let calls = campaign_calls(&app, &campaign_id).await;
    assert_eq!(
        calls.len(),
        1,
        "a Busy call is not retried by {rule}: {calls:#?}"
    );
    assert!(calls[0].get("parent_call_id").is_none());
    assert!(campaign_messages(&logs(&app, &id_of(&busy)).await).is_empty());

    // The same rule does retry the status it names.
    let (campaign_id, unanswered) = campaign(&app, &fixture, NO_ANSWER, rule, 3).await;
    app.run_engine().await;
    // Nobody answers for 30 s after ringing starts.
    app.advance(40).await;
    let unanswered = call(&app, &id_of(&unanswered)).await;
    assert_eq!(unanswered["status"], "No answer");
    let end = ended_at(&app, &id_of(&unanswered), "No answer").await;
    let calls = campaign_calls(&app, &campaign_id).await;
    assert_eq!(calls.len(), 2, "{calls:#?}");
    let retry = retry_of(&calls, &id_of(&unanswered));
    assert_is_retry(retry, &unanswered, &campaign_id, end.plus_seconds(5 * 60));
}

async fn max_retry_per_day_pushes_a_retry_to_the_next_utc_day(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let rule = json!([{"query": "Busy", "retry_period": 1, "max_retry_per_day": 1}]);
    let (campaign_id, first) = campaign(&app, &fixture, BUSY, rule, 3).await;
    let first_id = id_of(&first);

    app.run_engine().await;
    app.advance(10).await;
    let first = call(&app, &first_id).await;
    assert_eq!(first["status"], "Busy");
    let first_end = ended_at(&app, &first_id, "Busy").await;
    let calls = campaign_calls(&app, &campaign_id).await;
    let retry1 = retry_of(&calls, &first_id).clone();
    // The day's one retry: a minute later, the same day.
    assert_is_retry(&retry1, &first, &campaign_id, first_end.plus_seconds(60));
    let retry1_id = id_of(&retry1);

    app.advance(60).await;
    app.advance(10).await;
    let retry1 = call(&app, &retry1_id).await;
    assert_eq!(retry1["status"], "Busy");
    let calls = campaign_calls(&app, &campaign_id).await;
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let retry2 = retry_of(&calls, &retry1_id);
    assert_eq!(retry2["status"], "Scheduled");
    assert_eq!(retry2["parent_call_id"], retry1_id.as_str());
    let due = retry2["scheduled_for"].as_str().unwrap();
    assert!(
        due.starts_with("2024-01-02T"),
        "the second retry of 2024-01-01 waits for the next UTC day: {due}"
    );
    let retry2_id = id_of(retry2);

    // It is not dialed the same day, and is dialed the next.
    app.advance(11 * 3600).await;
    assert_eq!(call(&app, &retry2_id).await["status"], "Scheduled");
    let due = Timestamp::parse(due).unwrap();
    app.clock.set(due);
    app.run_engine().await;
    let dialed = call(&app, &retry2_id).await;
    assert_ne!(dialed["status"], "Scheduled", "{dialed}");
    app.advance(10).await;
    assert_eq!(call(&app, &retry2_id).await["status"], "Busy");
}
