//! `/settings/webhook-secret`: masked until an Owner reveals it; rotated through the page,
//! after which webhooks verify with the new secret only; Owners only.

use super::client::{Browser, Page};
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use crate::receiver::{Received, Receiver};
use serde_json::json;
use switchyard_core::enums::Role;

crate::backend_tests!(
    owners_reveal_and_rotate_the_secret,
    only_owners_see_the_secret,
);

async fn api_secret(app: &TestApp) -> String {
    app.owner().get("/org/webhook-secret", 200).await["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn shown(page: &Page) -> String {
    let marker = "id=\"webhook-secret\">";
    let start = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no secret in:\n{}", page.body))
        + marker.len();
    let end = page.body[start..].find('<').unwrap() + start;
    page.body[start..end].to_owned()
}

fn verifies(secret: &str, received: &Received) -> bool {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&received.body, &received.headers)
        .is_ok()
}

/// One `end` webhook of a call canceled at once, as the receiver got it.
async fn one_webhook(app: &TestApp, receiver: &Receiver, phone: &str) -> Received {
    let before = receiver.received().len();
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": phone, "hooks": [{"url": receiver.url}]}),
        )
        .await;
    let id = id_of(&app.dial(&fixture, phone, json!({})).await);
    app.owner()
        .post_empty(&format!("/calls/{id}/cancel"), 200)
        .await;
    app.run_engine().await;
    let received = receiver.received();
    assert_eq!(received.len(), before + 1);
    received[before].clone()
}

async fn owners_reveal_and_rotate_the_secret(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    // Receivers refuse signatures stamped far from their real clock.
    app.clock_near_real_time();
    let receiver = Receiver::start().await;
    let old = api_secret(&app).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    let page = browser.get("/settings/webhook-secret").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("aria-current=\"page\">Webhook secret</a>")
    );
    assert!(page.body.contains("id=\"webhook-secret-masked\""));
    assert!(!page.body.contains(&old), "shown before Reveal");
    let csrf = page.field("csrf");

    let revealed = browser
        .post("/settings/webhook-secret/reveal", &[("csrf", &csrf)])
        .await;
    assert_eq!(revealed.status, 200);
    assert_eq!(shown(&revealed), old);
    assert_eq!(
        browser
            .post("/settings/webhook-secret/reveal", &[])
            .await
            .status,
        403,
        "no CSRF token"
    );
    let before = one_webhook(&app, &receiver, "+14155550701").await;
    assert!(verifies(&old, &before));

    // Rotated only with its box ticked.
    let unticked = browser
        .post("/settings/webhook-secret/rotate", &[("csrf", &csrf)])
        .await;
    assert_eq!(unticked.status, 422);
    assert!(unticked.body.contains("id=\"rotate-confirm-error\""));
    assert_eq!(api_secret(&app).await, old);

    let rotated = browser
        .post(
            "/settings/webhook-secret/rotate",
            &[("confirm", "yes"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(rotated.status, 200);
    assert!(rotated.body.contains("id=\"secret-rotated\""));
    let new = shown(&rotated);
    assert!(new.starts_with("whsec_") && new != old, "{new}");
    assert_eq!(api_secret(&app).await, new);

    // A webhook sent after the rotation is signed with the new secret, not the old one.
    let after = one_webhook(&app, &receiver, "+14155550702").await;
    assert!(verifies(&new, &after));
    assert!(!verifies(&old, &after));
    assert!(
        !browser
            .get("/settings/webhook-secret")
            .await
            .body
            .contains(&new)
    );
}

async fn only_owners_see_the_secret(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let secret = api_secret(&app).await;
    for role in [Role::Viewer, Role::Representative] {
        let email = format!("{}@acme.test", role.as_str().to_lowercase());
        let key = app.key(&app.org, &email, role).await;
        let browser = Browser::signed_in(&app, &key).await;
        let page = browser.get("/settings/webhook-secret").await;
        assert_eq!(page.status, 403, "a {role} sees the page");
        let csrf = browser.csrf().await;
        for action in ["reveal", "rotate"] {
            let page = browser
                .post(
                    &format!("/settings/webhook-secret/{action}"),
                    &[("confirm", "yes"), ("csrf", &csrf)],
                )
                .await;
            assert_eq!(page.status, 403, "{action}");
            assert!(!page.body.contains(&secret));
        }
    }
    assert_eq!(api_secret(&app).await, secret, "not rotated");
}
