//! The agent settings pages: an agent made and changed through the form is what the API
//! then reads; a refused save shows the API's errors beside their fields; the default
//! agent's delete is the API's `409`; Viewers read without Save; no CSRF, no change.

use super::client::{Browser, Page};
use super::forms::{error_beside, form_fields};
use crate::common::TestDatabase;
use crate::harness::TestApp;
use serde_json::json;
use switchyard_core::enums::Role;

crate::backend_tests!(
    an_agent_made_on_the_page_is_the_apis,
    refusals_show_the_apis_errors_beside_their_fields,
    viewers_read_but_do_not_write,
    forms_without_csrf_change_nothing,
);

fn created_id(page: &Page) -> String {
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location.as_deref().unwrap();
    to.strip_prefix("/settings/agents/")
        .and_then(|rest| rest.strip_suffix("?done=created"))
        .unwrap_or_else(|| panic!("redirected to {to}"))
        .to_owned()
}

async fn an_agent_made_on_the_page_is_the_apis(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let list = browser.get("/settings/agents").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("aria-current=\"page\">Agents</a>"));
    let form = browser.get("/settings/agents/new").await;
    assert_eq!(form.status, 200);
    let csrf = form.field("csrf");
    let id = created_id(
        &browser
            .post(
                "/settings/agents/new",
                &[
                    ("csrf", &csrf),
                    ("name", " Ana "),
                    ("voice_id", "alloy"),
                    ("language.spanish", "on"),
                    ("language.english", "on"),
                ],
            )
            .await,
    );
    let stored = app.owner().get(&format!("/agents/{id}"), 200).await;
    assert_eq!(stored["name"], "Ana");
    assert_eq!(stored["languages"], json!(["english", "spanish"]));
    assert_eq!(stored["voice_id"], "alloy");

    let page = browser
        .get(&format!("/settings/agents/{id}?done=created"))
        .await;
    assert!(page.body.contains("id=\"notice\">Agent created.</p>"));
    let mut fields = form_fields(&page, "agent-form");
    fields.retain(|(name, _)| name != "language.english" && name != "voice_id");
    fields
        .iter_mut()
        .filter(|(n, _)| n == "name")
        .for_each(|(_, v)| *v = "Ana B".to_owned());
    fields.push(("language.french".to_owned(), "on".to_owned()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    browser
        .post(&format!("/settings/agents/{id}"), &fields)
        .await
        .assert_redirect(&format!("/settings/agents/{id}?done=saved"));
    let changed = app.owner().get(&format!("/agents/{id}"), 200).await;
    assert_eq!(changed["name"], "Ana B");
    assert_eq!(changed["languages"], json!(["spanish", "french"]));
    assert_eq!(
        changed["voice_id"],
        json!(null),
        "a blank voice clears it, as in the API"
    );

    browser
        .post(&format!("/settings/agents/{id}/delete"), &[("csrf", &csrf)])
        .await
        .assert_redirect("/settings/agents?done=deleted");
    app.owner().get(&format!("/agents/{id}"), 404).await;
}

async fn refusals_show_the_apis_errors_beside_their_fields(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let csrf = browser.csrf().await;
    let before = app.owner().get("/agents", 200).await;
    let page = browser
        .post(
            "/settings/agents/new",
            &[("csrf", &csrf), ("name", ""), ("voice_id", "echo")],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(error_beside(&page, "f-name").contains("must be 1 to 100 characters long (got 0)"));
    assert!(
        page.body
            .contains("id=\"f-languages-error\">must name at least one language")
    );
    assert!(page.body.contains("value=\"echo\""), "the voice is kept");
    assert!(page.body.contains("id=\"form-errors\""));
    assert_eq!(
        app.owner().get("/agents", 200).await,
        before,
        "nothing created"
    );

    // The organization's default agent: the API's 409 on delete; a bad edit changes nothing.
    let default = before[0]["id"].as_str().unwrap().to_owned();
    let refused = browser
        .post(
            &format!("/settings/agents/{default}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    let long = "x".repeat(101);
    let page = browser
        .post(
            &format!("/settings/agents/{default}"),
            &[("csrf", &csrf), ("name", &long), ("language.german", "on")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(error_beside(&page, "f-name").contains("(got 101)"));
    assert!(
        page.body.contains(
            "id=\"f-language-german\" name=\"language.german\" type=\"checkbox\" checked"
        )
    );
    assert_eq!(app.owner().get("/agents", 200).await, before);
}

async fn viewers_read_but_do_not_write(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let before = app.owner().get("/agents", 200).await;
    let id = before[0]["id"].as_str().unwrap().to_owned();
    let key = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let browser = Browser::signed_in(&app, &key).await;
    let list = browser.get("/settings/agents").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body
            .contains(&format!("href=\"/settings/agents/{id}\""))
    );
    assert!(!list.body.contains("/settings/agents/new"));
    let page = browser.get(&format!("/settings/agents/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<fieldset class=\"card\" disabled>"));
    assert!(!page.body.contains("id=\"save\"") && !page.body.contains("Delete for good"));
    assert_eq!(browser.get("/settings/agents/new").await.status, 403);
    let csrf = page.field("csrf");
    for path in [
        "/settings/agents/new".to_owned(),
        format!("/settings/agents/{id}"),
        format!("/settings/agents/{id}/delete"),
    ] {
        let fields = [
            ("csrf", csrf.as_str()),
            ("name", "Mine"),
            ("language.english", "on"),
        ];
        assert_eq!(browser.post(&path, &fields).await.status, 403, "{path}");
    }
    assert_eq!(app.owner().get("/agents", 200).await, before);
}

async fn forms_without_csrf_change_nothing(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let before = app.owner().get("/agents", 200).await;
    let id = before[0]["id"].as_str().unwrap().to_owned();
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    for path in [
        "/settings/agents/new".to_owned(),
        format!("/settings/agents/{id}"),
        format!("/settings/agents/{id}/delete"),
    ] {
        let fields = [("name", "Sneaky"), ("language.english", "on")];
        assert_eq!(browser.post(&path, &fields).await.status, 403, "{path}");
    }
    assert_eq!(app.owner().get("/agents", 200).await, before);
}
