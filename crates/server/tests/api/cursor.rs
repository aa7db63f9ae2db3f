//! The `cursor` extension of `GET /calls`: keyset pages that cover every match once, in
//! order, with `offset` kept; refused with `skip`, with other filters, or when forged.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, page_ids};
use serde_json::{Value, json};

crate::backend_tests!(cursor_pages_cover_every_match_once, cursor_misuse_is_a_422);

/// Seven calls, two to each second so that ties on `created` are broken by id.
async fn seven_calls(app: &TestApp) {
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    for i in 0..7 {
        if i % 2 == 0 {
            app.clock.advance_seconds(1);
        }
        app.dial(&fixture, &format!("+1415555030{i}"), json!({}))
            .await;
    }
}

async fn cursor_pages_cover_every_match_once(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    seven_calls(&app).await;
    let plain = app.owner().get("/calls?limit=3", 200).await;
    assert!(plain.get("next_cursor").is_none(), "only when asked for");

    for (sort, filter) in [("desc", ""), ("asc", ""), ("desc", "&statuses=Queued")] {
        let all = app
            .owner()
            .get(&format!("/calls?sort={sort}{filter}"), 200)
            .await;
        let mut walked = Vec::new();
        let mut offsets = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = app
                .owner()
                .get(
                    &format!("/calls?limit=3&sort={sort}{filter}&cursor={cursor}"),
                    200,
                )
                .await;
            assert_eq!(page["count"], all["count"]);
            assert_eq!(page["limit"], json!(3));
            offsets.push(page["offset"].as_u64().unwrap());
            walked.extend(page_ids(&page));
            match &page["next_cursor"] {
                Value::String(next) => cursor = next.clone(),
                Value::Null => break,
                other => panic!("next_cursor: {other}"),
            }
        }
        assert_eq!(walked, page_ids(&all), "{sort}{filter}");
        assert_eq!(offsets, [0, 3, 6]);
    }
}

async fn cursor_misuse_is_a_422(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    seven_calls(&app).await;
    let first = app.owner().get("/calls?limit=2&cursor=", 200).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    for (query, message) in [
        (
            format!("limit=2&skip=2&cursor={cursor}"),
            "either `skip` or `cursor`",
        ),
        (format!("limit=2&sort=asc&cursor={cursor}"), "other filters"),
        (
            format!("limit=2&statuses=Queued&cursor={cursor}"),
            "other filters",
        ),
        ("limit=2&cursor=bm90LWEtY3Vyc29y".to_owned(), "not a cursor"),
        ("limit=2&cursor=%25%25".to_owned(), "not a cursor"),
    ] {
        let body = app.owner().get(&format!("/calls?{query}"), 422).await;
        assert_error_body(&body);
        assert!(body.to_string().contains(message), "{query}: {body}");
    }
    // The same filters with another page size are fine.
    let next = app
        .owner()
        .get(&format!("/calls?limit=5&cursor={cursor}"), 200)
        .await;
    assert_eq!(next["offset"], json!(2));
    assert_eq!(next["calls"].as_array().unwrap().len(), 5);
    assert_eq!(next["next_cursor"], Value::Null);
}
