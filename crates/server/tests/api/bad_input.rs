//! Whatever a client sends, the answer is a contract status with a JSON error body, never a 500.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, id_of};
use reqwest::Method;
use serde_json::json;
use switchyard::config::HttpConfig;

crate::backend_tests!(
    malformed_json_is_400,
    wrong_content_type_is_415,
    oversize_bodies_are_413,
    malformed_path_ids_are_400_everywhere,
    unknown_routes_are_json_404,
    the_health_check_answers,
    nul_characters_are_422_on_every_backend,
    repeated_query_parameters_are_422,
    a_null_body_is_no_body,
);

async fn malformed_json_is_400(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550800", json!({})).await;
    for (path, method) in [
        ("/dial/outbound".to_owned(), Method::POST),
        ("/dial/outbound-batched".to_owned(), Method::POST),
        ("/dial/scheduled".to_owned(), Method::POST),
        (format!("/calls/{}/notes", id_of(&call)), Method::POST),
        (format!("/calls/{}/ratings", id_of(&call)), Method::PATCH),
        (format!("/calls/{}/viewed", id_of(&call)), Method::PATCH),
    ] {
        for body in ["{", "{\"content\": }", "[1,", "{} trailing"] {
            let response = app
                .owner()
                .send(
                    method.clone(),
                    &path,
                    Some(("application/json", body.as_bytes().to_vec())),
                    &[],
                )
                .await;
            assert_eq!(
                response.status, 400,
                "{method} {path} {body}: {}",
                response.body
            );
            assert_error_body(&response.body);
        }
    }
}

async fn wrong_content_type_is_415(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550801", json!({})).await;
    let body = br#"{"content": "hi"}"#.to_vec();
    let path = format!("/calls/{}/notes", id_of(&call));
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
    ] {
        let response = app
            .owner()
            .send(Method::POST, &path, Some((content_type, body.clone())), &[])
            .await;
        assert_eq!(response.status, 415, "{content_type}");
        assert_error_body(&response.body);
    }
    let charset = app
        .owner()
        .send(
            Method::POST,
            &path,
            Some(("application/json; charset=utf-8", body)),
            &[],
        )
        .await;
    assert_eq!(charset.status, 200);
    let no_type = app
        .owner()
        .send(Method::POST, "/dial/outbound", None, &[])
        .await;
    assert_eq!(no_type.status, 415);
}

async fn oversize_bodies_are_413(db: TestDatabase) {
    let http = HttpConfig {
        body_limit_bytes: 2048,
        batch_body_limit_bytes: 8192,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(db, http).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550802", json!({})).await;
    let big_note = json!({"content": "x".repeat(4000)})
        .to_string()
        .into_bytes();
    let response = app
        .owner()
        .send(
            Method::POST,
            &format!("/calls/{}/notes", id_of(&call)),
            Some(("application/json", big_note.clone())),
            &[],
        )
        .await;
    assert_eq!(response.status, 413);
    assert_error_body(&response.body);
    // The batched endpoint has its own, larger limit.
    let items: Vec<_> = (0..50).map(|i| json!({"number_id": fixture.number_id.to_string(), "phone_number": format!("+1415555{i:04}")})).collect();
    let batch = serde_json::to_vec(&items).unwrap();
    assert!(batch.len() > 2048 && batch.len() < 8192);
    let ok = app
        .owner()
        .send(
            Method::POST,
            "/dial/outbound-batched",
            Some(("application/json", batch)),
            &[],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let huge: Vec<_> = (0..200).map(|i| json!({"number_id": fixture.number_id.to_string(), "phone_number": format!("+1415555{i:04}")})).collect();
    let too_big = app
        .owner()
        .send(
            Method::POST,
            "/dial/outbound-batched",
            Some(("application/json", serde_json::to_vec(&huge).unwrap())),
            &[],
        )
        .await;
    assert_eq!(too_big.status, 413);
}

async fn malformed_path_ids_are_400_everywhere(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let good = "0123456789abcdef01234567";
    for bad in [
        "0123456789abcdef0123456",
        "0123456789abcdef012345678",
        "0123456789abcdef0123456z",
        "x",
    ] {
        for (method, path) in [
            (Method::GET, format!("/calls/{bad}")),
            (Method::DELETE, format!("/calls/{bad}")),
            (Method::POST, format!("/calls/{bad}/stop")),
            (Method::POST, format!("/calls/{bad}/cancel")),
            (Method::POST, format!("/calls/{bad}/notes")),
            (Method::PATCH, format!("/calls/{bad}/notes/{good}")),
            (Method::DELETE, format!("/calls/{good}/notes/{bad}")),
            (Method::PATCH, format!("/calls/{bad}/viewed")),
            (Method::PATCH, format!("/calls/{bad}/ratings")),
            (Method::GET, format!("/use-cases/{bad}")),
            (Method::GET, format!("/agents/{bad}")),
            (Method::GET, format!("/numbers/{bad}")),
        ] {
            let body = Some((
                "application/json",
                b"{\"content\":\"x\",\"emoji\":\"\xe2\x9c\x85\",\"operation\":\"add\"}".to_vec(),
            ));
            let response = app.owner().send(method.clone(), &path, body, &[]).await;
            assert_eq!(response.status, 400, "{method} {path}: {}", response.body);
            assert_error_body(&response.body);
        }
    }
}

async fn unknown_routes_are_json_404(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let response = app
        .owner()
        .send(Method::GET, "/nothing-here", None, &[])
        .await;
    assert_eq!(response.status, 404);
    assert_error_body(&response.body);
}

async fn the_health_check_answers(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let response = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

/// PostgreSQL cannot store U+0000 in text: it is refused at the edge (found by fuzzing,
/// where a NUL in a filter was a 500 on PostgreSQL).
async fn nul_characters_are_422_on_every_backend(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = id_of(&app.dial(&fixture, "+14155550801", json!({})).await);
    let owner = app.owner();
    for (query, field) in [
        ("transfer_contact_email=a%00b", "transfer_contact_email"),
        ("search=%00", "search"),
        ("tags=x,y%00", "tags"),
    ] {
        let body = owner.get(&format!("/calls?{query}"), 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    for (path, body, field) in [
        (
            format!("/calls/{call}/notes"),
            json!({"content": "a\u{0}b"}),
            "content",
        ),
        (
            "/use-cases".to_owned(),
            json!({"name": "x", "hooks": [{"url": "http://a.test/\u{0}"}]}),
            "hooks[0].url",
        ),
        (
            "/dial/outbound-batched".to_owned(),
            json!([{}, {"params": {"k\u{0}": 1}}]),
            "[1].params",
        ),
    ] {
        let answer = owner.post(&path, body, 422).await;
        assert_error_body(&answer);
        assert_eq!(answer["errors"][0]["field"], field, "{answer}");
    }
    let count = owner.get("/calls", 200).await["count"].clone();
    assert_eq!(count, 1);
}

/// Found by fuzzing: a repeated parameter made axum answer a plain-text 400.
async fn repeated_query_parameters_are_422(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let body = app.owner().get("/calls?limit=1&limit=2", 422).await;
    assert_eq!(body["errors"][0]["field"], "limit", "{body}");
    let body = app
        .owner()
        .get("/usage?timeframe=daily&timeframe=weekly", 422)
        .await;
    assert_eq!(body["errors"][0]["field"], "timeframe", "{body}");
    let recording = app
        .http
        .get(format!(
            "{}/recordings/a/b.wav?expires=1&expires=2",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(recording.status(), 403);
}

/// A body of `null` where the body is optional reads like no body.
async fn a_null_body_is_no_body(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = id_of(&app.dial(&fixture, "+14155550802", json!({})).await);
    let viewed = app
        .owner()
        .patch(&format!("/calls/{call}/viewed"), json!(null), 200)
        .await;
    assert_eq!(viewed["viewed_by"], json!(["owner@acme.test"]));
    let number = app.owner().post("/numbers", json!(null), 200).await;
    assert!(number["number"].as_str().unwrap().starts_with("+1415"));
}
