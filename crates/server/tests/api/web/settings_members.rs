//! `/settings/members`: adding a member, changing a role and removing a member through the
//! page, seen through `GET /api/v1/org`; the last Owner kept; others read.

use super::client::Browser;
use crate::common::TestDatabase;
use crate::harness::TestApp;
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    owners_add_change_and_remove_members,
    viewers_read_members_without_forms,
);

async fn members(app: &TestApp) -> Value {
    app.owner().get("/org", 200).await["members"].clone()
}

async fn owners_add_change_and_remove_members(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let page = browser.get("/settings/members").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("aria-current=\"page\">Members</a>"));
    assert!(page.body.contains("data-member=\"owner@acme.test\""));
    let csrf = page.field("csrf");

    let added = browser
        .post(
            "/settings/members",
            &[
                ("email", "rep@acme.test"),
                ("role", "Representative"),
                ("csrf", &csrf),
            ],
        )
        .await;
    added.assert_redirect("/settings/members");
    assert_eq!(
        members(&app).await,
        json!([{"email": "owner@acme.test", "role": "Owner"},
               {"email": "rep@acme.test", "role": "Representative"}])
    );

    // The API's field errors beside the add form's fields, as sent.
    let refused = browser
        .post(
            "/settings/members",
            &[("email", "not-an-email"), ("role", "Boss"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"member_email-error\""));
    assert!(refused.body.contains("id=\"member_role-error\""));
    assert!(
        refused
            .body
            .contains("aria-describedby=\"member_email-error\"")
    );
    assert!(refused.body.contains("value=\"not-an-email\""));

    // A role change, then the last Owner: neither demoted nor removed.
    browser
        .post(
            "/settings/members",
            &[
                ("email", "rep@acme.test"),
                ("role", "Viewer"),
                ("csrf", &csrf),
            ],
        )
        .await
        .assert_redirect("/settings/members");
    assert_eq!(members(&app).await[1]["role"], "Viewer");
    for (path, fields) in [
        (
            "/settings/members",
            vec![("email", "owner@acme.test"), ("role", "Viewer")],
        ),
        (
            "/settings/members/remove",
            vec![("email", "owner@acme.test")],
        ),
    ] {
        let mut fields = fields;
        fields.push(("csrf", &csrf));
        let page = browser.post(path, &fields).await;
        assert_eq!(page.status, 409, "{path}: {}", page.body);
        assert!(
            page.body.contains("id=\"members-error\"")
                && page
                    .body
                    .contains("an organization needs at least one Owner"),
            "{}",
            page.body
        );
    }
    assert_eq!(members(&app).await[0]["role"], "Owner");

    let removed = browser
        .post(
            "/settings/members/remove",
            &[("email", "rep@acme.test"), ("csrf", &csrf)],
        )
        .await;
    removed.assert_redirect("/settings/members");
    assert_eq!(
        members(&app).await,
        json!([{"email": "owner@acme.test", "role": "Owner"}])
    );
    let gone = browser
        .post(
            "/settings/members/remove",
            &[("email", "rep@acme.test"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(gone.status, 404, "{}", gone.body);

    let forged = browser
        .post(
            "/settings/members",
            &[("email", "eve@acme.test"), ("role", "Owner")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(members(&app).await.as_array().unwrap().len(), 1);
}

async fn viewers_read_members_without_forms(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let browser = Browser::signed_in(&app, &viewer).await;
    let page = browser.get("/settings/members").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-member=\"owner@acme.test\""));
    assert!(page.body.contains("<td>Owner</td>"), "{}", page.body);
    for form in ["Add a member", "Change role", "data-remove-member"] {
        assert!(!page.body.contains(form), "a Viewer is offered {form}");
    }
    let csrf = browser.csrf().await;
    let before = members(&app).await;
    for (path, fields) in [
        (
            "/settings/members",
            vec![("email", "viewer@acme.test"), ("role", "Owner")],
        ),
        (
            "/settings/members/remove",
            vec![("email", "owner@acme.test")],
        ),
    ] {
        let mut fields = fields;
        fields.push(("csrf", &csrf));
        assert_eq!(browser.post(path, &fields).await.status, 403, "{path}");
    }
    assert_eq!(members(&app).await, before);
}
