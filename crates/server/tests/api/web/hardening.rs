//! The probe's findings as the review app meets them: `next` after sign-in (finding 6),
//! note authorship on the call page (finding 4), and oversized forms (finding 11).

use super::a_call;
use super::client::{Browser, form_encode};
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use serde_json::json;
use switchyard_core::enums::Role;

crate::backend_tests!(
    sign_in_goes_only_to_safe_local_paths,
    the_call_page_offers_only_the_note_actions_allowed,
    an_oversized_form_is_413,
);

async fn sign_in_goes_only_to_safe_local_paths(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (next, to) in [
        ("/calls?status=Completed", "/calls?status=Completed"),
        (
            "/calls/6592a94000000000000000aa",
            "/calls/6592a94000000000000000aa",
        ),
        ("/\t/evil.example/", "/"),
        ("/%09/evil.example/", "/%09/evil.example/"),
        ("/\n/evil.example/", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
        ("/\u{7f}/evil.example/", "/"),
        ("/ /evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/caf\u{e9}", "/"),
        ("", "/"),
    ] {
        let browser = Browser::new(&app);
        let token = browser.get("/signin").await.field("token");
        let page = browser
            .post(
                "/signin",
                &[
                    ("key", &app.org.owner_key),
                    ("token", &token),
                    ("next", next),
                ],
            )
            .await;
        page.assert_redirect(to);
        // The session works: the redirect was not a failure after the session was made.
        assert_eq!(browser.get("/").await.status, 200, "{next:?}");
        // The form shown for a `next` in the query carries only a safe one.
        let form = Browser::new(&app)
            .get(&format!(
                "/signin?next={}",
                form_encode(&[("", next)]).trim_start_matches('=')
            ))
            .await;
        assert_eq!(form.status, 200);
        assert_eq!(form.field("next"), to.replace('&', "&amp;"), "{next:?}");
    }
}

async fn the_call_page_offers_only_the_note_actions_allowed(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let call = a_call(&app, "+14155550390").await;
    let id = id_of(&call);
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    app.owner()
        .post(
            &format!("/calls/{id}/notes"),
            json!({"content": "by the owner"}),
            200,
        )
        .await;
    let by_rep = app
        .as_key(&rep)
        .post(
            &format!("/calls/{id}/notes"),
            json!({"content": "by the rep"}),
            200,
        )
        .await;
    let owners_note = id_of(&by_rep["notes"][0]);
    let reps_note = id_of(&by_rep["notes"][1]);

    let browser = Browser::signed_in(&app, &rep).await;
    let page = browser.get(&format!("/calls/{id}")).await;
    let edits = page.body.matches("<summary>Edit</summary>").count();
    let deletes = page.body.matches("value=\"delete\"").count();
    assert_eq!(
        (edits, deletes),
        (1, 1),
        "the rep acts on their own note only"
    );
    // Posting anyway is refused, and the note is unchanged.
    let csrf = page.field("csrf");
    for action in [
        vec![("action", "save"), ("content", "hijacked")],
        vec![("action", "flag")],
        vec![("action", "delete")],
    ] {
        let mut fields = action.clone();
        fields.push(("csrf", &csrf));
        let refused = browser
            .post(&format!("/calls/{id}/notes/{owners_note}"), &fields)
            .await;
        assert_eq!(refused.status, 403, "{action:?}: {}", refused.body);
    }
    let stored = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(stored["notes"][0]["content"], "by the owner");
    assert_eq!(stored["notes"][0]["flagged"], false);

    // The Owner may delete the rep's note but not edit it.
    let owner = Browser::signed_in(&app, &app.org.owner_key).await;
    let page = owner.get(&format!("/calls/{id}")).await;
    let edits = page.body.matches("<summary>Edit</summary>").count();
    let deletes = page.body.matches("value=\"delete\"").count();
    assert_eq!((edits, deletes), (1, 2));
    let csrf = page.field("csrf");
    owner
        .post(
            &format!("/calls/{id}/notes/{reps_note}"),
            &[("action", "delete"), ("csrf", &csrf)],
        )
        .await
        .assert_redirect(&format!("/calls/{id}#notes"));
}

async fn an_oversized_form_is_413(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let call = a_call(&app, "+14155550391").await;
    let id = id_of(&call);
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let csrf = browser.csrf().await;
    let huge = "n".repeat(2 * 1024 * 1024);
    let page = browser
        .post(
            &format!("/calls/{id}/notes"),
            &[("content", &huge), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        page.status,
        413,
        "{}",
        &page.body[..page.body.len().min(300)]
    );
    let signin = Browser::new(&app);
    let token = signin.get("/signin").await.field("token");
    let page = signin
        .post(
            "/signin",
            &[("key", &huge), ("token", &token), ("next", "/")],
        )
        .await;
    assert_eq!(page.status, 413);
}
