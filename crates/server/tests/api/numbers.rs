//! Numbers over HTTP: buying from the simulated network, titles, release, tenancy.

use crate::common::TestDatabase;
use crate::harness::{START, TestApp, assert_error_body, id_of};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;
use switchyard_core::enums::Role;

mod routing;

crate::backend_tests!(
    buying_gives_a_voice_number_in_the_area_code,
    bought_numbers_are_distinct_e164_lines,
    bad_area_codes_are_422,
    numbers_are_listed_retitled_and_released,
    ids_roles_and_tenancy_are_enforced,
);

fn fields(error: &Value) -> Vec<&str> {
    let mut fields: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    fields
}

fn assert_line_in(number: &str, area: &str) {
    assert_eq!(number.len(), 12, "{number}");
    assert!(
        number.starts_with(&format!("+1{area}")),
        "{number} is not in {area}"
    );
    assert!(number[1..].bytes().all(|b| b.is_ascii_digit()), "{number}");
}

async fn buying_gives_a_voice_number_in_the_area_code(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let bought = app.owner().post("/numbers", json!({}), 200).await;
    let line = bought["number"].as_str().unwrap().to_owned();
    assert_line_in(&line, "415");
    let sid = bought["sid"].as_str().unwrap();
    assert!(
        sid.len() == 34 && sid.starts_with("PN") && sid[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{sid}"
    );
    assert_eq!(
        bought,
        json!({
            "id": id_of(&bought), "organization_id": app.org.id.to_string(), "number": line, "sid": sid,
            "locality": "San Francisco", "mode": "voice", "title": line,
            "use_case_config": {"id": null, "prompt_routes": [], "agent_routes": []}, "created_at": START,
        })
    );
    assert_eq!(
        app.owner()
            .get(&format!("/numbers/{}", id_of(&bought)), 200)
            .await,
        bought
    );

    let no_body = app.owner().send(Method::POST, "/numbers", None, &[]).await;
    assert_eq!(no_body.status, 200, "{}", no_body.body);
    assert_line_in(no_body.body["number"].as_str().unwrap(), "415");
    for (area, locality) in [
        (json!("212"), "New York"),
        (json!(312), "Chicago"),
        (json!("512"), "Austin"),
        (json!(907), "United States"),
    ] {
        let bought = app
            .owner()
            .post("/numbers", json!({"area_code": area}), 200)
            .await;
        let area = area
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| area.to_string());
        assert_line_in(bought["number"].as_str().unwrap(), &area);
        assert_eq!(bought["locality"], locality);
    }
}

async fn bought_numbers_are_distinct_e164_lines(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let other = app.new_org("Other Co", "boss@other.test").await;
    let mut lines = HashSet::new();
    let mut sids = HashSet::new();
    for i in 0..20 {
        let key = if i % 2 == 0 {
            &app.org.owner_key
        } else {
            &other.owner_key
        };
        let bought = app
            .as_key(key)
            .post("/numbers", json!({"area_code": "713"}), 200)
            .await;
        let line = bought["number"].as_str().unwrap().to_owned();
        assert_line_in(&line, "713");
        assert_eq!(bought["locality"], "Houston");
        assert!(lines.insert(line), "a line was sold twice");
        assert!(sids.insert(bought["sid"].as_str().unwrap().to_owned()));
    }
    assert_eq!(
        app.owner()
            .get("/numbers", 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

async fn bad_area_codes_are_422(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for area in [
        json!("041"),
        json!("141"),
        json!("41"),
        json!("4155"),
        json!("abc"),
        json!(41.5),
        json!(true),
        json!(["415"]),
    ] {
        let error = app
            .owner()
            .post("/numbers", json!({"area_code": area}), 422)
            .await;
        assert_eq!(fields(&error), vec!["area_code"], "{area}: {error}");
        assert_error_body(&error);
    }
    assert_eq!(app.owner().get("/numbers", 200).await, json!([]));
}

async fn numbers_are_listed_retitled_and_released(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let mut bought = Vec::new();
    for area in ["212", "305", "415"] {
        app.clock.advance_seconds(1);
        bought.push(
            app.owner()
                .post("/numbers", json!({"area_code": area}), 200)
                .await,
        );
    }
    assert_eq!(
        app.owner().get("/numbers", 200).await,
        json!(bought),
        "oldest first"
    );

    let path = format!("/numbers/{}", id_of(&bought[1]));
    let retitled = app
        .owner()
        .patch(
            &format!("{path}/title"),
            json!({"title": "  Miami dispatch  "}),
            200,
        )
        .await;
    let mut expected = bought[1].clone();
    expected["title"] = json!("Miami dispatch");
    assert_eq!(retitled, expected);
    assert_eq!(app.owner().get(&path, 200).await, expected);
    for body in [
        json!({"title": ""}),
        json!({"title": "   "}),
        json!({"title": "x".repeat(65)}),
        json!({}),
    ] {
        let error = app
            .owner()
            .patch(&format!("{path}/title"), body.clone(), 422)
            .await;
        assert_eq!(fields(&error), vec!["title"], "{body}");
    }
    app.owner()
        .patch(
            &format!("{path}/title"),
            json!({"title": "x".repeat(64)}),
            200,
        )
        .await;
    expected["title"] = json!("x".repeat(64));

    assert_eq!(app.owner().delete(&path, 200).await, expected);
    app.owner().get(&path, 404).await;
    app.owner().delete(&path, 404).await;
    app.owner()
        .patch(&format!("{path}/title"), json!({"title": "gone"}), 404)
        .await;
    let left: Vec<String> = app
        .owner()
        .get("/numbers", 200)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(left, vec![id_of(&bought[0]), id_of(&bought[2])]);
}

async fn ids_roles_and_tenancy_are_enforced(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let number = app.owner().post("/numbers", json!({}), 200).await;
    let path = format!("/numbers/{}", id_of(&number));

    for bad in ["123", "0123456789abcdef0123456z"] {
        assert_error_body(&app.owner().get(&format!("/numbers/{bad}"), 400).await);
        app.owner()
            .patch(&format!("/numbers/{bad}"), json!({}), 400)
            .await;
        app.owner()
            .patch(&format!("/numbers/{bad}/title"), json!({"title": "x"}), 400)
            .await;
        app.owner().delete(&format!("/numbers/{bad}"), 400).await;
    }
    let unknown = "/numbers/0123456789abcdef01234567";
    let missing = app.owner().get(unknown, 404).await;
    assert_error_body(&missing);
    app.owner().patch(unknown, json!({}), 404).await;
    app.owner()
        .patch(&format!("{unknown}/title"), json!({"title": "x"}), 404)
        .await;
    app.owner().delete(unknown, 404).await;

    let other = app.new_org("Other Co", "boss@other.test").await;
    let intruder = app.as_key(&other.owner_key);
    assert_eq!(intruder.get(&path, 404).await, missing);
    intruder
        .patch(&path, json!({"prompt_routes": []}), 404)
        .await;
    intruder
        .patch(&format!("{path}/title"), json!({"title": "Mine"}), 404)
        .await;
    intruder.delete(&path, 404).await;
    assert_eq!(intruder.get("/numbers", 200).await, json!([]));

    for role in [Role::Viewer, Role::Representative] {
        let key = app
            .key(&app.org, &format!("{role}@acme.test").to_lowercase(), role)
            .await;
        let client = app.as_key(&key);
        assert_eq!(client.get(&path, 200).await, number);
        assert_eq!(client.get("/numbers", 200).await, json!([number]));
        assert_error_body(&client.post("/numbers", json!({}), 403).await);
        client.patch(&path, json!({}), 403).await;
        client
            .patch(&format!("{path}/title"), json!({"title": "No"}), 403)
            .await;
        client.delete(&path, 403).await;
    }
    assert_error_body(&app.anonymous().get("/numbers", 401).await);
    app.anonymous().post("/numbers", json!({}), 401).await;
    assert_eq!(app.owner().get(&path, 200).await, number);
}
