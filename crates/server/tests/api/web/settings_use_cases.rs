//! The use case settings pages: a use case made and changed through the form is what the
//! API then reads; a refused save shows the API's own errors beside their fields and keeps
//! what was typed; Viewers read without Save; no CSRF token, no change.

use super::client::{Browser, Page};
use super::forms::{error_beside, form_fields, unescape};
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use crate::receiver::Receiver;
use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    a_use_case_made_on_the_page_is_the_apis,
    the_form_round_trips_every_field,
    refusals_show_the_apis_errors_beside_their_fields,
    add_row_keeps_what_was_typed,
    viewers_read_but_do_not_write,
    forms_without_csrf_change_nothing,
);

/// `/settings/use-cases/{id}?done=created` → the id.
fn created_id(page: &Page, done: &str) -> String {
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location.as_deref().unwrap();
    let id = to
        .strip_prefix("/settings/use-cases/")
        .and_then(|rest| rest.strip_suffix(&format!("?done={done}")))
        .unwrap_or_else(|| panic!("redirected to {to}"));
    id.to_owned()
}

async fn a_use_case_made_on_the_page_is_the_apis(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let receiver = Receiver::start().await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let list = browser.get("/settings/use-cases").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("aria-current=\"page\">Use cases</a>"));
    assert!(list.body.contains("href=\"/settings/use-cases/new\""));
    let form = browser.get("/settings/use-cases/new").await;
    assert_eq!(form.status, 200);
    for name in [
        "name",
        "hooks[0].url",
        "hooks[0].headers",
        "extract_with_ai[2].type",
    ] {
        assert!(form.body.contains(&format!("name=\"{name}\"")), "{name}");
    }
    let csrf = form.field("csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "Carrier sales"),
        ("language", "es-MX"),
        ("model", "gpt-4o"),
        ("hooks[0].url", ""),
        ("hooks[1].url", receiver.url.as_str()),
        ("hooks[1].headers", "Authorization: Bearer abc\nX-Team: 7"),
        ("timezone", "America/Chicago"),
        ("work_start", "08:00"),
        ("work_end", "17:30"),
        ("generic_after_hours_message", "We are closed"),
        ("detailed_work_hours.saturday", "09:00-12:00, 13:00-15:00"),
        ("extract_with_ai[0].name", "load_id"),
        ("extract_with_ai[0].type", "string"),
        ("extract_with_ai[0].description", "The load"),
        ("extract_with_ai[0].example", "LD-1"),
        ("extract_with_ai[0].required", "on"),
        ("extract_with_ai[1].name", "rate"),
        ("extract_with_ai[1].type", "number"),
        ("extract_with_ai[1].example", "1200"),
        ("classification_tags[0].name", "booked"),
        ("classification_tags[0].description", "Booked a load"),
        ("classification_tags[2].name", "declined"),
        ("amd", "on"),
        ("amd_behavior", "Message"),
        ("amd_messages", "es-MX: Llámenos"),
        ("max_duration_mins", "15"),
        ("keywords", "reefer\n\nflatbed"),
        ("params", "{\"company\": \"Acme\"}"),
    ];
    let id = created_id(
        &browser.post("/settings/use-cases/new", &fields).await,
        "created",
    );

    let stored = app.owner().get(&format!("/use-cases/{id}"), 200).await;
    let expected = json!({
        "name": "Carrier sales", "language": "es-MX", "model": "gpt-4o",
        "hooks": [{"url": receiver.url, "headers": [
            {"key": "Authorization", "value": "Bearer abc"}, {"key": "X-Team", "value": "7"}]}],
        "timezone": "America/Chicago", "work_start": "08:00", "work_end": "17:30",
        "generic_after_hours_message": "We are closed", "enable_detailed_work_hours": false,
        "detailed_work_hours": {"saturday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "15:00"}]},
        "extract_with_ai": [
            {"name": "load_id", "type": "string", "description": "The load", "example": "LD-1", "required": true},
            {"name": "rate", "type": "number", "description": "", "example": 1200, "required": false}],
        "classification_tags": [{"name": "booked", "description": "Booked a load"}, {"name": "declined", "description": ""}],
        "amd": true, "amd_behavior": "Message", "amd_messages": {"es-MX": "Llámenos"},
        "max_duration_mins": 15, "keywords": ["reefer", "flatbed"], "params": {"company": "Acme"},
        "transfer_number": null, "hidden": false, "sample_labels": [],
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&stored[key], value, "{key}");
    }

    let page = browser
        .get(&format!("/settings/use-cases/{id}?done=created"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<p class=\"ok-note\" role=\"status\" id=\"notice\">Use case created.</p>")
    );
    assert!(page.body.contains("id=\"save\"") && page.body.contains("Delete for good"));
    let listed = browser.get("/settings/use-cases").await;
    assert!(listed.body.contains(&format!(
        "href=\"/settings/use-cases/{id}\">Carrier sales</a>"
    )));

    // Edit: the page's own fields, some changed.
    let mut edited = form_fields(&page, "use-case-form");
    for (name, value) in &mut edited {
        match name.as_str() {
            "name" => *value = "Carrier sales West".to_owned(),
            "classification_tags[0].name" => value.clear(),
            "classification_tags[0].description" => value.clear(),
            "work_end" => *value = "18:00".to_owned(),
            _ => {}
        }
    }
    edited.push((
        "hooks[3].url".to_owned(),
        "http://127.0.0.1:9/second".to_owned(),
    ));
    let edited: Vec<(&str, &str)> = edited
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    browser
        .post(&format!("/settings/use-cases/{id}"), &edited)
        .await
        .assert_redirect(&format!("/settings/use-cases/{id}?done=saved"));
    let changed = app.owner().get(&format!("/use-cases/{id}"), 200).await;
    assert_eq!(changed["name"], "Carrier sales West");
    assert_eq!(changed["work_end"], "18:00");
    assert_eq!(
        changed["classification_tags"],
        json!([{"name": "declined", "description": ""}])
    );
    assert_eq!(changed["hooks"][0], stored["hooks"][0]);
    assert_eq!(changed["hooks"][1]["url"], "http://127.0.0.1:9/second");
    assert_eq!(changed["extract_with_ai"], stored["extract_with_ai"]);

    browser
        .post(
            &format!("/settings/use-cases/{id}/delete"),
            &[("csrf", &csrf)],
        )
        .await
        .assert_redirect("/settings/use-cases?done=deleted");
    app.owner().get(&format!("/use-cases/{id}"), 404).await;
    let after = browser.get("/settings/use-cases?done=deleted").await;
    assert!(after.body.contains("Use case deleted.") && !after.body.contains(&id));
}

/// Every field the API takes, set through the API, survives the edit page: its fields,
/// posted as a new use case, make the same use case, and saved over it change nothing.
async fn the_form_round_trips_every_field(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let prompt = app
        .owner()
        .post("/prompts", json!({"name": "Sales", "text": "Sell."}), 200)
        .await;
    let body = json!({
        "name": "Everything", "transfer_number": "+13125550100",
        "extract_with_ai": [
            {"name": "load", "description": "The load", "type": "string", "example": "LD-1", "required": true},
            {"name": "rate", "type": "number", "example": 12.5},
            {"name": "ok", "type": "boolean", "example": true},
            {"name": "pickup", "type": "date", "example": "2024-05-01"},
        ],
        "classification_tags": [{"name": "booked", "description": "Booked"}, {"name": "declined"}],
        "language": "pt-PT",
        "detailed_work_hours": {"monday": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}]},
        "work_start": "08:00", "work_end": "17:00", "timezone": "Europe/Lisbon",
        "generic_after_hours_message": "Closed\nfor now", "enable_detailed_work_hours": true,
        "keywords": ["reefer", "dry van"],
        "hooks": [{"url": "http://127.0.0.1:9/h?token=s3cret", "headers": [{"key": "x-token", "value": "a: b"}]},
                  {"url": "http://127.0.0.1:9/other"}],
        "params": {"greeting": "olá", "n": [1, 2]}, "amd": true, "amd_behavior": "Hangup",
        "amd_messages": {"pt-PT": "Ligue-nos", "en-US": "Call us"},
        "sample_labels": [{"name": "good", "color": "#00ff00"}, {"name": "meh"}], "hidden": true,
        "evaluation_models": ["judge-1", "judge-2"], "max_duration_mins": 240,
        "recorded_message_inbound": "in \"quoted\" <b>", "recorded_message_outbound": "out & about",
        "show_original_caller_id": true, "disable_end_call_after_n_reminders": 3, "model": "gpt-4.1",
        "default_prompt_id": prompt["id"],
    });
    let original = app.owner().post("/use-cases", body, 200).await;
    let id = id_of(&original);
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let page = browser.get(&format!("/settings/use-cases/{id}")).await;
    assert_eq!(page.status, 200);
    let fields = form_fields(&page, "use-case-form");
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();

    let copy = created_id(
        &browser.post("/settings/use-cases/new", &fields).await,
        "created",
    );
    let copied = app.owner().get(&format!("/use-cases/{copy}"), 200).await;
    let without_identity = |value: &Value| {
        let mut value = value.clone();
        for key in ["id", "created_at"] {
            value.as_object_mut().unwrap().remove(key);
        }
        value
    };
    assert_eq!(without_identity(&copied), without_identity(&original));

    browser
        .post(&format!("/settings/use-cases/{id}"), &fields)
        .await
        .assert_redirect(&format!("/settings/use-cases/{id}?done=saved"));
    assert_eq!(
        app.owner().get(&format!("/use-cases/{id}"), 200).await,
        original
    );
}

async fn refusals_show_the_apis_errors_beside_their_fields(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let csrf = browser.csrf().await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "  "),
        ("language", "en-US"),
        ("hooks[0].url", "ftp://files.example.com/x"),
        ("hooks[0].headers", "Bad Header: x"),
        ("timezone", "Mars/Olympus"),
        ("work_start", "08:00"),
        ("extract_with_ai[0].name", "load_id"),
        ("extract_with_ai[0].description", "The load <number>"),
        ("classification_tags[0].description", "no name"),
        ("max_duration_mins", "500"),
    ];
    let page = browser.post("/settings/use-cases/new", &fields).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(error_beside(&page, "f-name").contains("must be 1 to 100 characters long (got 0)"));
    assert_eq!(
        error_beside(&page, "f-hooks-0-url"),
        "`ftp://files.example.com/x` is not an absolute http(s) URL"
    );
    assert!(error_beside(&page, "f-hooks-0-headers").starts_with("item 1 key: "));
    assert!(error_beside(&page, "f-timezone").contains("is not an IANA timezone"));
    assert!(error_beside(&page, "f-work_end").contains("is required when `work_start` is set"));
    assert!(error_beside(&page, "f-classification_tags-0-name").contains("must not be empty"));
    assert!(error_beside(&page, "f-max_duration_mins").contains("must be 1 to 240 minutes"));
    // What was typed is still there.
    let kept = form_fields(&page, "use-case-form");
    for (name, value) in &fields[2..] {
        assert!(
            kept.contains(&(name.to_string(), value.to_string())),
            "{name} lost: {kept:?}"
        );
    }
    // The same errors as the API's for the same body.
    let api = app
        .owner()
        .send(
            Method::POST,
            "/use-cases",
            Some(("application/json", json!({
                "name": "  ", "language": "en-US", "timezone": "Mars/Olympus", "work_start": "08:00",
                "hooks": [{"url": "ftp://files.example.com/x", "headers": [{"key": "Bad Header", "value": "x"}]}],
                "extract_with_ai": [{"name": "load_id", "description": "The load <number>"}],
                "classification_tags": [{"name": "", "description": "no name"}], "max_duration_mins": 500,
            }).to_string().into_bytes())),
            &[],
        )
        .await;
    assert_eq!(api.status, 422);
    let summary_start = page.body.find("id=\"form-errors\"").expect("a summary");
    let summary = unescape(&page.body[summary_start..]);
    for error in api.body["errors"].as_array().unwrap() {
        let line = format!(
            "{}: {}",
            error["field"].as_str().unwrap(),
            error["message"].as_str().unwrap()
        );
        assert!(summary.contains(&line), "{line} missing from the summary");
    }
    assert_eq!(
        app.owner().get("/use-cases", 200).await,
        json!([]),
        "nothing created"
    );

    // An edit refused keeps the stored use case as it was.
    let fixture = app.number_with_use_case(&app.org, "Stored").await;
    let before = app
        .owner()
        .get(&format!("/use-cases/{}", fixture.use_case_id), 200)
        .await;
    let page = browser
        .post(
            &format!("/settings/use-cases/{}", fixture.use_case_id),
            &[
                ("csrf", &csrf),
                ("name", "Renamed"),
                ("hooks[0].url", "not a url"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(error_beside(&page, "f-hooks-0-url").contains("is not an absolute http(s) URL"));
    assert!(page.body.contains("value=\"Renamed\""));
    assert_eq!(
        app.owner()
            .get(&format!("/use-cases/{}", fixture.use_case_id), 200)
            .await,
        before
    );
    // Deleting a use case a number routes to: the API's 409, as a page.
    let refused = browser
        .post(
            &format!("/settings/use-cases/{}/delete", fixture.use_case_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
}

async fn add_row_keeps_what_was_typed(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let csrf = browser.csrf().await;
    let page = browser
        .post(
            "/settings/use-cases/new",
            &[
                ("csrf", &csrf),
                ("name", "Typed"),
                ("hooks[0].url", ""),
                ("hooks[1].url", "http://127.0.0.1:9/a"),
                ("add", "hooks"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let kept = form_fields(&page, "use-case-form");
    assert!(kept.contains(&("name".to_owned(), "Typed".to_owned())));
    assert!(kept.contains(&("hooks[0].url".to_owned(), "http://127.0.0.1:9/a".to_owned())));
    assert!(
        page.body.contains("name=\"hooks[2].url\"") && !page.body.contains("name=\"hooks[3].url\"")
    );
    assert!(!page.body.contains("id=\"form-errors\""));
    assert_eq!(
        app.owner().get("/use-cases", 200).await,
        json!([]),
        "nothing saved"
    );
}

async fn viewers_read_but_do_not_write(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Hooked", "hooks": [{"url": "http://127.0.0.1:9/h", "headers": [{"key": "x-token", "value": "s3cret"}]}]}),
        )
        .await;
    let id = fixture.use_case_id.to_string();
    let before = app.owner().get(&format!("/use-cases/{id}"), 200).await;
    for role in [Role::Viewer, Role::Representative] {
        let key = app.key(&app.org, &format!("{role}@acme.test"), role).await;
        let browser = Browser::signed_in(&app, &key).await;
        let list = browser.get("/settings/use-cases").await;
        assert_eq!(list.status, 200);
        assert!(list.body.contains("Hooked") && !list.body.contains("/settings/use-cases/new"));
        let page = browser.get(&format!("/settings/use-cases/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("<fieldset class=\"plain\" disabled>"));
        for offer in ["id=\"save\"", "Add hook", "Delete for good"] {
            assert!(!page.body.contains(offer), "{role} is offered {offer}");
        }
        assert!(page.body.contains("x-token: ********") && !page.body.contains("s3cret"));
        assert_eq!(browser.get("/settings/use-cases/new").await.status, 403);
        let csrf = page.field("csrf");
        for (path, fields) in [
            ("/settings/use-cases/new".to_owned(), vec![("name", "Mine")]),
            (format!("/settings/use-cases/{id}"), vec![("name", "Mine")]),
            (
                format!("/settings/use-cases/{id}"),
                vec![("name", "Mine"), ("add", "hooks")],
            ),
            (format!("/settings/use-cases/{id}/delete"), vec![]),
        ] {
            let mut fields = fields;
            fields.push(("csrf", &csrf));
            assert_eq!(browser.post(&path, &fields).await.status, 403, "{path}");
        }
    }
    assert_eq!(
        app.owner().get(&format!("/use-cases/{id}"), 200).await,
        before
    );
    assert_eq!(
        app.owner()
            .get("/use-cases", 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn forms_without_csrf_change_nothing(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Kept").await;
    let id = fixture.use_case_id.to_string();
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    for path in [
        "/settings/use-cases/new".to_owned(),
        format!("/settings/use-cases/{id}"),
        format!("/settings/use-cases/{id}/delete"),
    ] {
        for fields in [
            vec![("name", "Sneaky")],
            vec![("name", "Sneaky"), ("csrf", "wrong")],
        ] {
            assert_eq!(browser.post(&path, &fields).await.status, 403, "{path}");
        }
    }
    let stored = app.owner().get("/use-cases", 200).await;
    assert_eq!(stored.as_array().unwrap().len(), 1);
    assert_eq!(stored[0]["name"], "Kept");
}
