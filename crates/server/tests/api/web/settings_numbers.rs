//! `/settings/numbers`: buying, titling, routing and releasing numbers through the page,
//! seen through `GET /api/v1/numbers`; the API's errors beside their fields; Viewers read.

use super::client::{Browser, Page};
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    owners_buy_title_route_and_release_numbers,
    routes_that_do_not_add_up_change_nothing,
    viewers_read_numbers_without_forms,
);

async fn numbers(app: &TestApp) -> Value {
    app.owner().get("/numbers", 200).await
}

/// The element with `id="{id}"`, up to its closing tag.
fn element<'a>(page: &'a Page, id: &str) -> &'a str {
    let start = page
        .body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in:\n{}", page.body));
    let end = page.body[start..].find("</").unwrap() + start;
    &page.body[start..end]
}

async fn owners_buy_title_route_and_release_numbers(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let page = browser.get("/settings/numbers").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("aria-current=\"page\">Numbers</a>"));
    assert!(page.body.contains("No numbers yet."));
    assert!(page.body.contains("<script src=\"/static/settings.js\""));
    let csrf = page.field("csrf");

    // A bad area code: the API's message beside the field, nothing bought.
    let refused = browser
        .post(
            "/settings/numbers",
            &[("area_code", "041"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("aria-describedby=\"area_code-error\"")
    );
    assert!(element(&refused, "area_code-error").contains("is not a North American area code"));
    assert!(refused.body.contains("value=\"041\""));
    assert_eq!(numbers(&app).await, json!([]));

    let bought = browser
        .post(
            "/settings/numbers",
            &[("area_code", "212"), ("csrf", &csrf)],
        )
        .await;
    let listed = numbers(&app).await;
    let number = &listed[0];
    let id = id_of(number);
    bought.assert_redirect(&format!("/settings/numbers#number-{id}"));
    let e164 = number["number"].as_str().unwrap();
    assert!(e164.starts_with("+1212"), "{e164}");
    assert_eq!(number["locality"], "New York");

    let page = browser.get("/settings/numbers").await;
    assert!(page.body.contains(&format!("data-number-id=\"{id}\"")));
    assert!(page.body.contains(&format!("data-e164=\"{e164}\"")));
    assert!(element(&page, &format!("sum-{id}")).contains("No routes"));

    // The title: refused when blank, then saved.
    let title = format!("/settings/numbers/{id}/title");
    let blank = browser
        .post(&title, &[("title", " "), ("csrf", &csrf)])
        .await;
    assert_eq!(blank.status, 422, "{}", blank.body);
    assert!(!element(&blank, &format!("title-{id}-error")).is_empty());
    browser
        .post(&title, &[("title", "Sales line"), ("csrf", &csrf)])
        .await
        .assert_redirect(&format!("/settings/numbers#number-{id}"));
    assert_eq!(numbers(&app).await[0]["title"], "Sales line");

    // Routes: a use case and two agents adding up to 100; blank rows are left out.
    let use_case = id_of(
        &app.owner()
            .post("/use-cases", json!({"name": "Inbound"}), 200)
            .await,
    );
    let ava = id_of(
        &app.owner()
            .post("/agents", json!({"name": "Ava"}), 200)
            .await,
    );
    let default = id_of(&app.owner().get("/agents", 200).await[0]);
    let routes = format!("/settings/numbers/{id}/routes");
    browser
        .post(
            &routes,
            &[
                ("use_case_id", &use_case),
                ("agent_routes[0].id", &ava),
                ("agent_routes[0].probability", "70"),
                ("agent_routes[1].id", ""),
                ("agent_routes[1].probability", ""),
                ("agent_routes[2].id", &default),
                ("agent_routes[2].probability", "30"),
                ("csrf", &csrf),
            ],
        )
        .await
        .assert_redirect(&format!("/settings/numbers#number-{id}"));
    let config = &numbers(&app).await[0]["use_case_config"];
    assert_eq!(config["id"], json!(use_case));
    assert_eq!(
        config["agent_routes"],
        json!([{"probability": 70, "id": ava}, {"probability": 30, "id": default}])
    );
    let page = browser.get("/settings/numbers").await;
    assert!(element(&page, &format!("sum-{id}")).contains("class=\"ok\">Sum: 100%"));
    assert!(page.body.contains("name=\"agent_routes[1].probability\" type=\"number\" min=\"0\" max=\"100\" step=\"1\" inputmode=\"numeric\" size=\"4\" value=\"30\""));

    // Detaching the use case and clearing the routes.
    browser
        .post(&routes, &[("use_case_id", ""), ("csrf", &csrf)])
        .await
        .assert_redirect(&format!("/settings/numbers#number-{id}"));
    let config = &numbers(&app).await[0]["use_case_config"];
    assert_eq!(config["id"], Value::Null);
    assert_eq!(config["agent_routes"], json!([]));

    // Released only with its box ticked.
    let release = format!("/settings/numbers/{id}/release");
    let unticked = browser.post(&release, &[("csrf", &csrf)]).await;
    assert_eq!(unticked.status, 422);
    assert!(element(&unticked, &format!("release-{id}-error")).contains("tick the box"));
    assert_eq!(numbers(&app).await.as_array().unwrap().len(), 1);
    browser
        .post(&release, &[("confirm", "yes"), ("csrf", &csrf)])
        .await
        .assert_redirect("/settings/numbers");
    assert_eq!(numbers(&app).await, json!([]));
    let page = browser.get("/settings/numbers").await;
    assert!(!page.body.contains(e164));
}

async fn routes_that_do_not_add_up_change_nothing(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let number = id_of(&app.owner().post("/numbers", json!({}), 200).await);
    let ava = id_of(
        &app.owner()
            .post("/agents", json!({"name": "Ava"}), 200)
            .await,
    );
    let default = id_of(&app.owner().get("/agents", 200).await[0]);
    let before = numbers(&app).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let csrf = browser.csrf().await;
    let routes = format!("/settings/numbers/{number}/routes");

    let ninety = browser
        .post(
            &routes,
            &[
                ("agent_routes[0].id", &ava),
                ("agent_routes[0].probability", "50"),
                ("agent_routes[1].id", &default),
                ("agent_routes[1].probability", "40"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(ninety.status, 422, "{}", ninety.body);
    let error = element(&ninety, &format!("routes-error-{number}"));
    assert!(error.contains("data-routes-error"), "{error}");
    assert!(
        error.contains("probabilities must add up to 100 (they add up to 90)"),
        "{error}"
    );
    assert!(element(&ninety, &format!("sum-{number}")).contains("class=\"invalid\">Sum: 90%"));
    // The rows come back as sent.
    assert!(ninety.body.contains("value=\"50\"") && ninety.body.contains("value=\"40\""));
    assert_eq!(numbers(&app).await, before, "nothing changed");

    // The page's own checks, and the API's per-row errors beside their rows (the blank
    // row between them is not counted in the API's indexes).
    let rows = browser
        .post(
            &routes,
            &[
                ("agent_routes[0].id", &ava),
                ("agent_routes[0].probability", "abc"),
                ("agent_routes[1].id", ""),
                ("agent_routes[1].probability", "20"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(rows.status, 422);
    assert!(
        element(&rows, &format!("probability-{number}-0-error"))
            .contains("`abc` is not a whole number")
    );
    assert!(element(&rows, &format!("agent-{number}-1-error")).contains("choose an agent"));
    assert!(rows.body.contains(&format!(
        "aria-describedby=\"probability-{number}-0-error\""
    )));
    let unknown = browser
        .post(
            &routes,
            &[
                ("agent_routes[0].id", ""),
                ("agent_routes[0].probability", ""),
                ("agent_routes[1].id", "0123456789abcdef01234567"),
                ("agent_routes[1].probability", "100"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(
        element(&unknown, &format!("agent-{number}-1-error")).contains("no agent"),
        "{}",
        unknown.body
    );
    assert_eq!(numbers(&app).await, before, "nothing changed");

    // Without the CSRF token: refused.
    let forged = browser
        .post(
            &routes,
            &[
                ("agent_routes[0].id", &ava),
                ("agent_routes[0].probability", "100"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(numbers(&app).await, before);
}

async fn viewers_read_numbers_without_forms(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let id = fixture.number_id.to_string();
    let before = numbers(&app).await;
    let e164 = before[0]["number"].as_str().unwrap().to_owned();
    for role in [Role::Viewer, Role::Representative] {
        let email = format!("{}@acme.test", role.as_str().to_lowercase());
        let key = app.key(&app.org, &email, role).await;
        let browser = Browser::signed_in(&app, &key).await;
        let page = browser.get("/settings/numbers").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&e164));
        assert!(page.body.contains("Carrier sales"), "the use case by name");
        for form in ["Buy a number", "Save routes", "Save title", "Release"] {
            assert!(!page.body.contains(form), "a {role} is offered {form}");
        }
        let csrf = browser.csrf().await;
        for (path, fields) in [
            ("/settings/numbers".to_owned(), vec![("area_code", "415")]),
            (
                format!("/settings/numbers/{id}/title"),
                vec![("title", "Mine")],
            ),
            (
                format!("/settings/numbers/{id}/routes"),
                vec![("use_case_id", "")],
            ),
            (
                format!("/settings/numbers/{id}/routes"),
                vec![("agent_routes[0].probability", "x")],
            ),
            (format!("/settings/numbers/{id}/release"), vec![]),
            (
                format!("/settings/numbers/{id}/release"),
                vec![("confirm", "yes")],
            ),
        ] {
            let mut fields = fields;
            fields.push(("csrf", &csrf));
            let page = browser.post(&path, &fields).await;
            assert_eq!(page.status, 403, "{path}: {}", page.body);
        }
    }
    assert_eq!(numbers(&app).await, before);
}
