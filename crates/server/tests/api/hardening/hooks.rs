//! Findings 5 and 7: hooks carry credentials, which only Owners read (every other view,
//! the call's own snapshot and the webhook body included, shows them masked), and a use
//! case's hooks are bounded in number and size.

use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use crate::receiver::Receiver;
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    hook_credentials_are_shown_only_to_owners,
    webhooks_carry_the_use_cases_current_credentials_and_never_echo_them,
    hooks_are_bounded_in_number_and_size,
);

const TOKEN: &str = "topsecret-123";
const QUERY_TOKEN: &str = "querysecret-456";

fn hooked(url: &str) -> Value {
    json!({
        "name": "Carrier sales",
        "hooks": [{
            "url": format!("{url}?token={QUERY_TOKEN}"),
            "headers": [{"key": "Authorization", "value": format!("Bearer {TOKEN}")}],
        }],
    })
}

fn assert_masked(use_case: &Value) {
    let text = use_case.to_string();
    assert!(
        !text.contains(TOKEN) && !text.contains(QUERY_TOKEN),
        "{text}"
    );
    let hook = &use_case["hooks"][0];
    assert_eq!(hook["headers"][0]["key"], "Authorization");
    assert_eq!(hook["headers"][0]["value"], "********");
    assert!(
        hook["url"]
            .as_str()
            .unwrap()
            .ends_with("/hook?token=********"),
        "{hook}"
    );
}

async fn hook_credentials_are_shown_only_to_owners(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    let fixture = app.number_for(&app.org, hooked(&receiver.url)).await;
    let path = format!("/use-cases/{}", fixture.use_case_id);

    let owners = app.owner().get(&path, 200).await;
    assert_eq!(
        owners["hooks"][0]["headers"][0]["value"],
        format!("Bearer {TOKEN}")
    );
    let listed = app.owner().get("/use-cases", 200).await;
    assert_eq!(listed[0], owners);

    for (email, role) in [
        ("viewer@acme.test", Role::Viewer),
        ("rep@acme.test", Role::Representative),
    ] {
        let key = app.key(&app.org, email, role).await;
        assert_masked(&app.as_key(&key).get(&path, 200).await);
        assert_masked(&app.as_key(&key).get("/use-cases", 200).await[0]);
    }

    // The call's snapshot of its use case is masked for everyone, Owners included.
    let call = app.dial(&fixture, "+14155550170", json!({})).await;
    assert_masked(&call["use_case"]);
    let call = app
        .owner()
        .get(&format!("/calls/{}", id_of(&call)), 200)
        .await;
    assert_masked(&call["use_case"]);
    let page = app.owner().get("/calls", 200).await;
    assert_masked(&page["calls"][0]["use_case"]);
}

async fn webhooks_carry_the_use_cases_current_credentials_and_never_echo_them(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    let fixture = app.number_for(&app.org, hooked(&receiver.url)).await;
    let call = app.dial(&fixture, "+14155550171", json!({})).await;
    let id = id_of(&call);
    app.run_engine().await;
    app.advance(14).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "`start`");
    assert_eq!(
        received[0].header("authorization"),
        format!("Bearer {TOKEN}")
    );
    let body = String::from_utf8(received[0].body.clone()).unwrap();
    assert!(
        !body.contains(TOKEN) && !body.contains(QUERY_TOKEN),
        "{body}"
    );
    assert_masked(&received[0].json()["call"]["use_case"]);

    // The Owner rotates the credential mid-call: the `end` webhook uses the new one.
    app.owner()
        .patch(
            &format!("/use-cases/{}", fixture.use_case_id),
            json!({"hooks": [{"url": receiver.url, "headers": [
                {"key": "Authorization", "value": "Bearer rotated"}
            ]}]}),
            200,
        )
        .await;
    app.advance(600).await;
    let received = receiver.received();
    assert_eq!(received.len(), 2, "`start` then `end`");
    assert_eq!(received[1].json()["type"], "end");
    assert_eq!(received[1].header("authorization"), "Bearer rotated");

    // The call's logs, which Viewers read, hold no credential either.
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let logs = app
        .as_key(&viewer)
        .get(&format!("/calls/{id}/logs"), 200)
        .await;
    let logs = logs.to_string();
    assert!(logs.contains("webhook"), "{logs}");
    assert!(
        !logs.contains(TOKEN) && !logs.contains(QUERY_TOKEN),
        "{logs}"
    );
}

async fn hooks_are_bounded_in_number_and_size(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let hook = |i: usize| json!({"url": format!("https://hooks{i}.example.com/in")});
    let ten: Vec<Value> = (0..10).map(hook).collect();
    let created = app
        .owner()
        .post("/use-cases", json!({"name": "Ten", "hooks": ten}), 200)
        .await;
    let path = format!("/use-cases/{}", id_of(&created));
    let eleven: Vec<Value> = (0..11).map(hook).collect();
    for refused in [
        app.owner()
            .post(
                "/use-cases",
                json!({"name": "Eleven", "hooks": eleven}),
                422,
            )
            .await,
        app.owner()
            .patch(
                &path,
                json!({"hooks": (0..5000).map(hook).collect::<Vec<_>>()}),
                422,
            )
            .await,
    ] {
        assert_eq!(refused["errors"][0]["field"], "hooks", "{refused}");
    }

    let header = |key: String, value: String| json!({"key": key, "value": value});
    let cases = [
        (
            json!({"url": "https://hooks.example.com/in", "headers":
                (0..21).map(|i| header(format!("X-H{i}"), "v".into())).collect::<Vec<_>>()}),
            "hooks[0].headers",
        ),
        (
            json!({"url": "https://hooks.example.com/in", "headers":
                [header("X-Big".into(), "v".repeat(4097))]}),
            "hooks[0].headers[0].value",
        ),
        (
            json!({"url": "https://hooks.example.com/in", "headers":
                [header("X".repeat(257), "v".into())]}),
            "hooks[0].headers[0].key",
        ),
        (
            json!({"url": format!("https://hooks.example.com/{}", "p".repeat(2048))}),
            "hooks[0].url",
        ),
    ];
    for (hook, field) in cases {
        let refused = app
            .owner()
            .patch(&path, json!({"hooks": [hook]}), 422)
            .await;
        assert_eq!(refused["errors"][0]["field"], field, "{refused}");
    }
    let at_the_limits = json!({"url": "https://hooks.example.com/in", "headers":
        (0..20).map(|i| header(format!("X-H{i}"), "v".repeat(4096))).collect::<Vec<_>>()});
    app.owner()
        .patch(&path, json!({"hooks": [at_the_limits]}), 200)
        .await;
}
