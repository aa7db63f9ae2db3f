//! `/settings/keys`: a key made through the page shows its secret once and works against
//! the API with its role; revoking it through the page refuses it at once (despite the
//! key cache); another organization's key is a 404; only Owners see the page.

use super::client::{Browser, Page};
use crate::common::TestDatabase;
use crate::harness::TestApp;
use serde_json::json;
use switchyard_core::enums::Role;

crate::backend_tests!(
    owners_create_and_revoke_keys,
    only_owners_manage_keys_and_only_their_own,
);

/// The secret in `<code id="new-key-secret">`.
fn shown_secret(page: &Page) -> String {
    let marker = "id=\"new-key-secret\">";
    let start = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no secret in:\n{}", page.body))
        + marker.len();
    let end = page.body[start..].find('<').unwrap() + start;
    page.body[start..end].to_owned()
}

async fn owners_create_and_revoke_keys(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let page = browser.get("/settings/keys").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("aria-current=\"page\">API keys</a>"));
    let owner_prefix = &app.org.owner_key[..13];
    assert!(
        page.body
            .contains(&format!("data-key-prefix=\"{owner_prefix}\""))
    );
    assert!(page.body.contains("this session"));
    assert!(
        !page.body.contains(&app.org.owner_key),
        "a secret on the list"
    );
    let csrf = page.field("csrf");

    let refused = browser
        .post(
            "/settings/keys",
            &[("email", "nobody"), ("role", "King"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"key_email-error\"")
            && refused.body.contains("id=\"key_role-error\"")
    );
    assert!(!refused.body.contains("new-key-secret"));

    let created = browser
        .post(
            "/settings/keys",
            &[
                ("email", "viewer@acme.test"),
                ("role", "Viewer"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains("Copy it now"));
    let secret = shown_secret(&created);
    assert!(secret.starts_with("sy_"), "{secret}");
    let prefix = &secret[..13];
    assert!(
        created
            .body
            .contains(&format!("data-key-prefix=\"{prefix}\""))
    );

    // Never again: the list shows it masked.
    let reloaded = browser.get("/settings/keys").await;
    assert!(!reloaded.body.contains(&secret) && !reloaded.body.contains("new-key-secret"));
    assert!(
        reloaded
            .body
            .contains(&format!("{prefix}…{}", &secret[secret.len() - 4..]))
    );

    // The key works with its role: a Viewer reads and may not write.
    let api = app.as_key(&secret);
    api.get("/calls", 200).await;
    api.post("/use-cases", json!({"name": "Nope"}), 403).await;
    let org = app.owner().get("/org", 200).await;
    assert_eq!(
        org["members"][1],
        json!({"email": "viewer@acme.test", "role": "Viewer"})
    );

    // Revoked through the page: refused at once, though the key cache saw it a moment ago.
    browser
        .post(
            &format!("/settings/keys/{prefix}/revoke"),
            &[("csrf", &csrf)],
        )
        .await
        .assert_redirect("/settings/keys");
    api.get("/calls", 401).await;
    let page = browser.get("/settings/keys").await;
    let row = &page.body[page
        .body
        .find(&format!("data-key-prefix=\"{prefix}\""))
        .unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("revoked") && !row.contains("data-revoke"),
        "{row}"
    );
    let again = browser
        .post(
            &format!("/settings/keys/{prefix}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, 404);

    // A key whose role would leave no Owner: the store's refusal, above the list.
    let last = browser
        .post(
            "/settings/keys",
            &[
                ("email", "owner@acme.test"),
                ("role", "Viewer"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(last.status, 409, "{}", last.body);
    assert!(last.body.contains("id=\"keys-error\"") && last.body.contains("at least one Owner"));
    assert!(!last.body.contains("new-key-secret"));

    // Without the CSRF token nothing is made.
    let forged = browser
        .post(
            "/settings/keys",
            &[("email", "eve@acme.test"), ("role", "Owner")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(
        app.owner().get("/org", 200).await["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Revoking the session's own key signs this browser out.
    browser
        .post(
            &format!("/settings/keys/{owner_prefix}/revoke"),
            &[("csrf", &csrf)],
        )
        .await
        .assert_redirect("/settings/keys");
    browser.get("/settings/keys").await.assert_sign_in();
}

async fn only_owners_manage_keys_and_only_their_own(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let ours = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let prefix = ours[..13].to_owned();
    for role in [Role::Viewer, Role::Representative] {
        let email = format!("{}2@acme.test", role.as_str().to_lowercase());
        let key = app.key(&app.org, &email, role).await;
        let browser = Browser::signed_in(&app, &key).await;
        let page = browser.get("/settings/keys").await;
        assert_eq!(page.status, 403, "a {role} reads keys");
        assert!(!page.body.contains(&prefix));
        let csrf = browser.csrf().await;
        let made = browser
            .post(
                "/settings/keys",
                &[("email", "x@acme.test"), ("role", "Owner"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(made.status, 403);
        let revoked = browser
            .post(
                &format!("/settings/keys/{prefix}/revoke"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(revoked.status, 403);
    }

    // Another organization's Owner: our prefix is exactly an unknown one, a 404.
    let intruder = app.new_org("Intruder Inc", "eve@intruder.test").await;
    let browser = Browser::signed_in(&app, &intruder.owner_key).await;
    let page = browser.get("/settings/keys").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(&prefix) && !page.body.contains("acme.test"));
    let csrf = page.field("csrf");
    let theirs = browser
        .post(
            &format!("/settings/keys/{prefix}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    let unknown = browser
        .post("/settings/keys/sy_0000000000/revoke", &[("csrf", &csrf)])
        .await;
    assert_eq!(theirs.status, 404);
    assert_eq!((theirs.status, theirs.body), (unknown.status, unknown.body));
    app.as_key(&ours).get("/calls", 200).await;
}
