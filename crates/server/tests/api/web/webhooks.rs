//! The Webhooks page: the ledger with its attempts, filters and pages, and the Replay
//! button, role-checked and behind CSRF like every form, seen through the API and the
//! local receiver.

use super::client::Browser;
use crate::common::TestDatabase;
use crate::harness::{Fixture, TestApp, id_of};
use crate::receiver::Receiver;
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    the_page_lists_deliveries_and_replays_them,
    viewers_read_but_do_not_replay,
    the_page_filters_and_pages_like_the_api,
);

async fn hooked(app: &TestApp, receiver: &Receiver, hooks: usize) -> Fixture {
    let hooks: Vec<Value> = (0..hooks).map(|_| json!({"url": receiver.url})).collect();
    app.number_for(&app.org, json!({"name": "Hooked", "hooks": hooks}))
        .await
}

/// A call dialed and canceled at once (one `end` event per hook), its webhooks sent.
async fn canceled(app: &TestApp, fixture: &Fixture, phone: &str) -> String {
    let id = id_of(&app.dial(fixture, phone, json!({})).await);
    app.owner()
        .post_empty(&format!("/calls/{id}/cancel"), 200)
        .await;
    app.run_engine().await;
    id
}

async fn ledger(app: &TestApp, call: &str) -> Value {
    app.owner()
        .get(&format!("/webhooks/deliveries?call_id={call}"), 200)
        .await
}

async fn the_page_lists_deliveries_and_replays_them(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    receiver.answer_body(b"thanks <b>hook</b>");
    let fixture = hooked(&app, &receiver, 1).await;
    let call = canceled(&app, &fixture, "+14155550501").await;
    let delivery = id_of(&ledger(&app, &call).await["data"][0]);
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    let page = browser.get("/webhooks").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<a href=\"/webhooks\">Webhooks</a>"),
        "in the top bar"
    );
    assert!(
        page.body
            .contains(&format!("data-delivery-id=\"{delivery}\""))
    );
    assert!(page.body.contains(&format!("href=\"/calls/{call}\"")));
    assert!(page.body.contains("end #1") && page.body.contains(&receiver.url));
    assert!(
        page.body
            .contains("<span class=\"badge ok\">delivered</span>")
    );
    assert!(page.body.contains("<strong>200</strong>"));
    // The receiver's answer is shown as text, never as markup.
    assert!(
        page.body.contains("thanks &#60;b&#62;hook&#60;/b&#62;"),
        "{}",
        page.body
    );
    let csrf = page.field("csrf");

    let replay = format!("/webhooks/{delivery}/replay");
    assert_eq!(
        browser.post(&replay, &[]).await.status,
        403,
        "no CSRF token"
    );
    browser
        .post(&replay, &[("csrf", &csrf)])
        .await
        .assert_redirect(&format!("/webhooks?call_id={call}"));
    assert_eq!(ledger(&app, &call).await["data"][0]["state"], "pending");
    let pending = browser.get(&format!("/webhooks?call_id={call}")).await;
    assert!(
        pending
            .body
            .contains("<span class=\"badge wait\">pending</span>")
    );
    assert!(!pending.body.contains(&replay), "no Replay while pending");
    let again = browser.post(&replay, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, 409, "{}", again.body);

    app.run_engine().await;
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[1].header("webhook-id"),
        received[0].header("webhook-id")
    );
    let page = browser.get(&format!("/webhooks?call_id={call}")).await;
    assert_eq!(page.body.matches("<strong>200</strong>").count(), 2);
    assert!(page.body.contains(&replay), "replayable again");
}

async fn viewers_read_but_do_not_replay(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    let fixture = hooked(&app, &receiver, 1).await;
    let call = canceled(&app, &fixture, "+14155550502").await;
    let delivery = id_of(&ledger(&app, &call).await["data"][0]);
    let replay = format!("/webhooks/{delivery}/replay");

    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let browser = Browser::signed_in(&app, &viewer).await;
    let page = browser.get("/webhooks").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("data-delivery-id=\"{delivery}\""))
    );
    assert!(!page.body.contains(&replay), "a Viewer sees Replay");
    let csrf = page.field("csrf");
    let refused = browser.post(&replay, &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let browser = Browser::signed_in(&app, &rep).await;
    let page = browser.get("/webhooks").await;
    assert!(page.body.contains(&replay));
    browser
        .post(&replay, &[("csrf", &page.field("csrf"))])
        .await
        .assert_redirect(&format!("/webhooks?call_id={call}"));
    app.run_engine().await;
    assert_eq!(receiver.received().len(), 2);
}

async fn the_page_filters_and_pages_like_the_api(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    // 26 calls with two hooks each: 52 deliveries, one more page than 50.
    let fixture = hooked(&app, &receiver, 2).await;
    let mut calls = Vec::new();
    for n in 0..26 {
        calls.push(canceled(&app, &fixture, &format!("+141555506{n:02}")).await);
    }
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    let first = browser.get("/webhooks").await;
    assert_eq!(first.body.matches("data-delivery-id=").count(), 50);
    assert!(!first.body.contains("← Newest"));
    let older = first
        .body
        .split("<a href=\"")
        .find_map(|rest| rest.split_once("\" rel=\"next\">Older"))
        .map(|(href, _)| href.replace("&amp;", "&"))
        .expect("an Older link");
    let second = browser.get(&older).await;
    assert_eq!(second.status, 200, "{older}");
    assert_eq!(second.body.matches("data-delivery-id=").count(), 2);
    assert!(second.body.contains(&calls[0]), "the oldest call last");
    assert!(second.body.contains("← Newest") && !second.body.contains("Older →"));

    let by_call = browser
        .get(&format!("/webhooks?call_id={}", calls[3]))
        .await;
    assert_eq!(by_call.body.matches("data-delivery-id=").count(), 2);
    let failed = browser.get("/webhooks?state=failed").await;
    assert!(failed.body.contains("No deliveries match."));
    assert!(failed.body.contains("<option value=\"failed\" selected>"));
    // The API's validation, word for word.
    let bad = browser.get("/webhooks?state=sent").await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains("is not one of: pending, delivered, failed"),
        "{}",
        bad.body
    );
    let csrf = first.field("csrf");
    let bad_id = browser
        .post("/webhooks/nope/replay", &[("csrf", &csrf)])
        .await;
    assert_eq!(bad_id.status, 404);
}
