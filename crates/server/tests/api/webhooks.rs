//! Webhooks (contract §7) over real HTTP: a local receiver gets the `start` and `end` events,
//! signed in the Standard Webhooks format, retried on failure, refused for private
//! destinations unless allowed, and every attempt shows in the call's logs.

use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of, test_engine_config};
use crate::receiver::{Received, Receiver};
use serde_json::{Value, json};
use switchyard::config::HttpConfig;
use switchyard_core::enums::Role;
use switchyard_core::time::Timestamp;
use switchyard_core::use_case::Hook;
use switchyard_engine::config::{EngineConfig, WebhookConfig};
use switchyard_engine::sim::{BUSY, FAILED};
use switchyard_engine::webhooks::guard::REFUSED;

crate::backend_tests!(
    answered_calls_send_signed_start_and_end_webhooks,
    canceling_a_queued_call_sends_end_with_no_messages,
    unanswered_calls_send_only_end,
    failed_deliveries_are_retried_on_schedule_and_honour_retry_after,
    retry_after_is_capped_at_an_hour,
    deliveries_give_up_after_the_schedule_or_on_410,
    private_destinations_are_refused_unless_allowed,
    only_owners_read_the_webhook_secret,
);

async fn secret(app: &TestApp) -> String {
    let body = app.owner().get("/org/webhook-secret", 200).await;
    body["secret"].as_str().expect("a secret").to_owned()
}

fn verify(secret: &str, received: &Received) {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&received.body, &received.headers)
        .unwrap_or_else(|e| {
            panic!(
                "the signature does not verify: {e} (headers {:?})",
                received.headers
            )
        });
}

fn hooked_use_case(name: &str, url: &str) -> Value {
    json!({
        "name": name,
        "hooks": [{"url": url, "headers": [
            {"key": "X-Hook-Token", "value": "tok-123"},
            // A hook cannot forge the signature headers.
            {"key": "Webhook-Id", "value": "forged"},
        ]}],
    })
}

async fn call(app: &TestApp, id: &str) -> Value {
    app.owner().get(&format!("/calls/{id}"), 200).await
}

async fn webhook_logs(app: &TestApp, id: &str) -> Vec<Value> {
    let logs = app.owner().get(&format!("/calls/{id}/logs"), 200).await;
    logs.as_array()
        .unwrap()
        .iter()
        .filter(|l| l["event"] == "webhook")
        .cloned()
        .collect()
}

async fn answered_calls_send_signed_start_and_end_webhooks(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.clock_near_real_time();
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(&app.org, hooked_use_case("Carrier sales", &receiver.url))
        .await;
    let secret = secret(&app).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let dialed = app.dial(&fixture, "+14155550123", json!({})).await;
    let id = id_of(&dialed);

    app.run_engine().await;
    assert!(
        receiver.received().is_empty(),
        "nothing is sent before the answer"
    );
    // Ringing within 1.4 s, answered 3 to 12 s later, then at least 45 s of talk.
    app.advance(14).await;
    let live = call(&app, &id).await;
    assert_eq!(live["status"], "In progress");
    let received = receiver.received();
    assert_eq!(received.len(), 1, "only `start` so far");
    let start = received[0].json();
    assert_eq!(start["type"], "start");
    assert_eq!(start["content"], json!({"recording": null}));
    assert_eq!(start["call"]["id"], id.as_str());
    assert_eq!(start["call"]["status"], "In progress");
    assert_eq!(start["call"]["metadata"]["to"], "+14155550123");

    app.advance(200).await;
    let done = call(&app, &id).await;
    assert_eq!(done["status"], "Completed");
    let received = receiver.received();
    assert_eq!(received.len(), 2, "`start` then `end`");
    let end = received[1].json();
    assert_eq!(end["type"], "end");
    assert_eq!(end["call"]["id"], id.as_str());
    assert_eq!(end["call"]["status"], "Completed");
    assert_eq!(end["call"]["end_reason"], "completed");
    assert_eq!(end["call"]["duration"], done["duration"]);
    assert_eq!(end["call"], done, "`end` carries the call as it ended");
    let transcript = app
        .owner()
        .get(&format!("/calls/{id}/transcript"), 200)
        .await;
    let messages = transcript["messages"].as_array().unwrap();
    assert!(!messages.is_empty());
    assert_eq!(end["content"]["messages"], transcript["messages"]);

    for r in &received {
        assert_eq!(r.header("x-hook-token"), "tok-123");
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.header("webhook-id").len(), 24, "{:?}", r.headers);
        assert_eq!(r.headers.get_all("webhook-id").iter().count(), 1);
        assert!(r.header("webhook-signature").starts_with("v1,"));
        verify(&secret, r);
    }
    assert_ne!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id"),
        "two events, two message ids"
    );

    let logs = webhook_logs(&app, &id).await;
    assert_eq!(logs.len(), 2, "{logs:#?}");
    for (log, event_type) in logs.iter().zip(["start", "end"]) {
        assert_eq!(log["level"], "info", "{log}");
        assert_eq!(log["data"]["event_type"], event_type);
        assert_eq!(log["data"]["status"], 200);
        assert_eq!(log["data"]["attempt"], 1);
        assert_eq!(log["data"]["url"], receiver.url.as_str());
        assert!(
            log["message"].as_str().unwrap().contains(": 200 in "),
            "{log}"
        );
    }
}

async fn canceling_a_queued_call_sends_end_with_no_messages(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.clock_near_real_time();
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(&app.org, hooked_use_case("Check calls", &receiver.url))
        .await;
    let dialed = app.dial(&fixture, "+14155550124", json!({})).await;
    assert_eq!(dialed["status"], "Queued");
    let id = id_of(&dialed);

    let canceled = app
        .owner()
        .post_empty(&format!("/calls/{id}/cancel"), 200)
        .await;
    assert_eq!(canceled["status"], "Canceled");
    app.run_engine().await;

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let end = received[0].json();
    assert_eq!(end["type"], "end");
    assert_eq!(end["call"]["id"], id.as_str());
    assert_eq!(end["call"]["status"], "Canceled");
    assert_eq!(end["call"]["end_reason"], "canceled");
    assert_eq!(end["content"], json!({"messages": [], "tools": {}}));
    assert_eq!(received[0].header("x-hook-token"), "tok-123");
    verify(&secret(&app).await, &received[0]);

    let logs = webhook_logs(&app, &id).await;
    assert_eq!(logs.len(), 1, "{logs:#?}");
    assert_eq!(logs[0]["level"], "info");
    assert_eq!(logs[0]["data"]["event_type"], "end");
    assert_eq!(logs[0]["data"]["status"], 200);
    // Delivered once: nothing more is sent later.
    app.advance(3600).await;
    assert_eq!(receiver.received().len(), 1);
}

async fn unanswered_calls_send_only_end(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.clock_near_real_time();
    let receiver = Receiver::start().await;
    let fixture = app
        .number_for(&app.org, hooked_use_case("Unanswered", &receiver.url))
        .await;
    let secret = secret(&app).await;
    for (phone, status, end_reason) in
        [(BUSY, "Busy", "busy"), (FAILED, "Failed", "provider_error")]
    {
        let before = receiver.received().len();
        let dialed = app.dial(&fixture, phone, json!({})).await;
        let id = id_of(&dialed);
        app.run_engine().await;
        // Busy or failed within 1.4 + 4 s of dialing.
        app.advance(10).await;
        assert_eq!(call(&app, &id).await["status"], status);
        let received = receiver.received();
        assert_eq!(received.len(), before + 1, "only `end` for a {status} call");
        let end = received[before].json();
        assert_eq!(end["type"], "end");
        assert_eq!(end["call"]["id"], id.as_str());
        assert_eq!(end["call"]["status"], status);
        assert_eq!(end["call"]["end_reason"], end_reason);
        assert_eq!(end["content"], json!({"messages": [], "tools": {}}));
        verify(&secret, &received[before]);
        let logs = webhook_logs(&app, &id).await;
        assert_eq!(logs.len(), 1, "{logs:#?}");
        assert_eq!(logs[0]["data"]["event_type"], "end");
        assert_eq!(logs[0]["data"]["status"], 200);
    }
}

async fn failed_deliveries_are_retried_on_schedule_and_honour_retry_after(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let t0 = app.clock_near_real_time();
    let receiver = Receiver::start().await;
    receiver.answer_with(&[(500, None), (503, Some(120))]);
    let fixture = app
        .number_for(&app.org, hooked_use_case("Retries", &receiver.url))
        .await;
    let dialed = app.dial(&fixture, "+14155550125", json!({})).await;
    let id = id_of(&dialed);
    app.owner()
        .post_empty(&format!("/calls/{id}/cancel"), 200)
        .await;

    app.run_engine().await;
    assert_eq!(receiver.received().len(), 1, "first attempt: 500");
    // The first retry waits 5 s plus up to 20% jitter.
    app.advance(4).await;
    assert_eq!(receiver.received().len(), 1, "no retry before 5 s");
    app.advance(2).await;
    assert_eq!(receiver.received().len(), 2, "one retry by 6 s: 503");
    // Retry-After: 120 is longer than the schedule's 30 s (+20%): it wins.
    app.advance(119).await;
    assert_eq!(
        receiver.received().len(),
        2,
        "no third attempt before Retry-After"
    );
    app.advance(1).await;
    let received = receiver.received();
    assert_eq!(received.len(), 3, "third attempt 120 s after the second");
    app.advance(3600).await;
    assert_eq!(receiver.received().len(), 3, "delivered: no more attempts");

    let secret = secret(&app).await;
    let first_id = received[0].header("webhook-id").to_owned();
    let timestamps: Vec<i64> = received
        .iter()
        .map(|r| r.header("webhook-timestamp").parse().unwrap())
        .collect();
    let t0 = t0.unix_seconds();
    assert_eq!(timestamps, [t0, t0 + 6, t0 + 126]);
    for r in &received {
        assert_eq!(
            r.header("webhook-id"),
            first_id,
            "one message id for all attempts"
        );
        assert_eq!(r.body, received[0].body, "the same body every time");
        verify(&secret, r);
    }

    let logs = webhook_logs(&app, &id).await;
    assert_eq!(logs.len(), 3, "{logs:#?}");
    let levels: Vec<&str> = logs.iter().map(|l| l["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["warn", "warn", "info"]);
    let statuses: Vec<&Value> = logs.iter().map(|l| &l["data"]["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(503), &json!(200)]);
    let attempts: Vec<&Value> = logs.iter().map(|l| &l["data"]["attempt"]).collect();
    assert_eq!(attempts, [&json!(1), &json!(2), &json!(3)]);
    let first_retry =
        Timestamp::parse(logs[0]["data"]["next_attempt_at"].as_str().unwrap()).unwrap();
    assert!(
        (t0 + 5..=t0 + 6).contains(&first_retry.unix_seconds()),
        "{first_retry}"
    );
    let second_retry = Timestamp::from_millis((t0 + 126) * 1000).to_string();
    assert_eq!(logs[1]["data"]["next_attempt_at"], second_retry.as_str());
    for log in &logs[..2] {
        assert!(
            log["message"].as_str().unwrap().contains("next attempt at"),
            "{log}"
        );
    }
    assert_eq!(logs[2]["data"]["next_attempt_at"], Value::Null);
}

/// Dials and cancels a call of `fixture`: one `end` webhook per hook. Returns the call id.
async fn canceled_call(app: &TestApp, fixture: &crate::harness::Fixture, phone: &str) -> String {
    let dialed = app.dial(fixture, phone, json!({})).await;
    let id = id_of(&dialed);
    app.owner()
        .post_empty(&format!("/calls/{id}/cancel"), 200)
        .await;
    id
}

async fn retry_after_is_capped_at_an_hour(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    receiver.answer_with(&[(503, Some(7200))]);
    let fixture = app
        .number_for(&app.org, hooked_use_case("Slow receiver", &receiver.url))
        .await;
    let id = canceled_call(&app, &fixture, "+14155550127").await;
    app.run_engine().await;
    assert_eq!(receiver.received().len(), 1);
    app.advance(3599).await;
    assert_eq!(receiver.received().len(), 1, "not before the hour");
    app.advance(1).await;
    assert_eq!(
        receiver.received().len(),
        2,
        "Retry-After: 7200 is honoured up to an hour"
    );
    let logs = webhook_logs(&app, &id).await;
    assert_eq!(logs.len(), 2, "{logs:#?}");
    assert_eq!(logs[0]["data"]["status"], 503);
    assert_eq!(logs[0]["data"]["next_attempt_at"], "2024-01-01T13:00:00Z");
    assert_eq!(logs[1]["data"]["status"], 200);
}

async fn deliveries_give_up_after_the_schedule_or_on_410(db: TestDatabase) {
    let base = test_engine_config();
    let config = EngineConfig {
        webhooks: WebhookConfig {
            retry_schedule: vec![
                std::time::Duration::from_secs(5),
                std::time::Duration::from_secs(30),
            ],
            ..base.webhooks.clone()
        },
        ..base
    };
    let app = TestApp::spawn_configured(db, HttpConfig::default(), config).await;
    let receiver = Receiver::start().await;
    receiver.answer_with(&[(500, None), (502, None), (504, None)]);
    let fixture = app
        .number_for(&app.org, hooked_use_case("Broken receiver", &receiver.url))
        .await;
    let id = canceled_call(&app, &fixture, "+14155550128").await;
    app.run_engine().await;
    app.advance(6).await;
    app.advance(36).await;
    assert_eq!(
        receiver.received().len(),
        3,
        "the first attempt and two retries"
    );
    app.advance(24 * 3600).await;
    assert_eq!(receiver.received().len(), 3, "no attempt after giving up");
    let logs = webhook_logs(&app, &id).await;
    assert_eq!(logs.len(), 3, "{logs:#?}");
    assert!(logs.iter().all(|l| l["level"] == "warn"), "{logs:#?}");
    let last = logs[2]["message"].as_str().unwrap();
    assert!(last.ends_with("(attempt 3); giving up"), "{last}");

    // 410 Gone: the endpoint is gone for good, no retry.
    receiver.answer_with(&[(410, None)]);
    let id = canceled_call(&app, &fixture, "+14155550129").await;
    app.run_engine().await;
    app.advance(3600).await;
    assert_eq!(receiver.received().len(), 4);
    let logs = webhook_logs(&app, &id).await;
    assert_eq!(logs.len(), 1, "{logs:#?}");
    assert_eq!(logs[0]["data"]["status"], 410);
    assert!(
        logs[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("; giving up"),
        "{}",
        logs[0]
    );
}

async fn private_destinations_are_refused_unless_allowed(db: TestDatabase) {
    let base = test_engine_config();
    let config = EngineConfig {
        webhooks: WebhookConfig {
            allow_private: false,
            ..base.webhooks.clone()
        },
        ..base
    };
    let app = TestApp::spawn_configured(db, HttpConfig::default(), config).await;
    let receiver = Receiver::start().await;
    assert!(receiver.url.starts_with("http://127.0.0.1:"));

    // Saving a private or unresolvable hook is refused, each with the same words.
    let mut messages = Vec::new();
    for url in [
        receiver.url.clone(),
        "http://localhost:9/hook".to_owned(),
        "http://no-such-host.invalid/hook".to_owned(),
        "http://[::ffff:169.254.169.254]/latest".to_owned(),
    ] {
        let refused = app
            .owner()
            .post("/use-cases", hooked_use_case("Private", &url), 422)
            .await;
        assert_eq!(refused["errors"][0]["field"], "hooks[0].url", "{refused}");
        messages.push(refused["errors"][0]["message"].clone());
    }
    assert!(messages.windows(2).all(|w| w[0] == w[1]), "{messages:?}");
    assert_eq!(messages[0], REFUSED);

    // A hook that was allowed when saved (its name resolved elsewhere then, or an older
    // version saved it) is still refused when the engine connects.
    let fixture = app
        .number_for(&app.org, json!({"name": "Once public"}))
        .await;
    let mut use_case = app
        .store
        .get_use_case(app.org.id, fixture.use_case_id)
        .await
        .unwrap();
    use_case.hooks = vec![Hook {
        url: receiver.url.clone(),
        headers: vec![],
    }];
    app.store.update_use_case(&use_case).await.unwrap();
    let dialed = app.dial(&fixture, "+14155550126", json!({})).await;
    let id = id_of(&dialed);
    app.owner()
        .post_empty(&format!("/calls/{id}/cancel"), 200)
        .await;

    app.run_engine().await;
    app.advance(10).await;
    assert!(
        receiver.received().is_empty(),
        "the receiver was reached: {:?}",
        receiver.events()
    );
    let logs = webhook_logs(&app, &id).await;
    assert!(!logs.is_empty(), "no attempt was logged");
    for log in &logs {
        assert_eq!(log["level"], "warn", "{log}");
        assert_eq!(log["data"]["status"], Value::Null);
        let message = log["message"].as_str().unwrap();
        assert!(message.contains(REFUSED), "{message}");
        assert_eq!(log["data"]["error"], REFUSED);
        assert!(!log.to_string().contains("127.0.0.1 is"), "{log}");
    }
}

async fn only_owners_read_the_webhook_secret(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let first = secret(&app).await;
    assert!(first.starts_with("whsec_"), "{first}");
    assert_eq!(secret(&app).await, first, "the secret is stable");
    for (email, role) in [
        ("viewer@acme.test", Role::Viewer),
        ("rep@acme.test", Role::Representative),
    ] {
        let key = app.key(&app.org, email, role).await;
        let body = app.as_key(&key).get("/org/webhook-secret", 403).await;
        crate::harness::assert_error_body(&body);
        assert!(!body.to_string().contains(&first));
    }
    app.anonymous().get("/org/webhook-secret", 401).await;
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let theirs = app
        .as_key(&other.owner_key)
        .get("/org/webhook-secret", 200)
        .await;
    assert_ne!(
        theirs["secret"],
        first.as_str(),
        "one secret per organization"
    );
}
