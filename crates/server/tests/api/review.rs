use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use serde_json::json;
use switchyard_core::enums::Role;

crate::backend_tests!(
    viewed_by_keeps_first_view_order_and_is_idempotent,
    ratings_keep_one_per_email_and_emoji,
    ratings_are_checked,
);

async fn viewed_by_keeps_first_view_order_and_is_idempotent(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550180", json!({})).await;
    let path = format!("/calls/{}/viewed", id_of(&call));
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    app.key(&app.org, "boss@acme.test", Role::Viewer).await;

    let response = app
        .as_key(&viewer)
        .send(reqwest::Method::PATCH, &path, None, &[])
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    app.owner()
        .patch(&path, json!({"email": "Boss@Acme.test"}), 200)
        .await;
    app.as_key(&viewer).patch(&path, json!({}), 200).await;
    let after = app
        .owner()
        .patch(&path, json!({"email": "boss@acme.test"}), 200)
        .await;

    assert_eq!(
        after["viewed_by"],
        json!(["viewer@acme.test", "boss@acme.test"])
    );
    app.owner()
        .patch(&path, json!({"email": "not-an-email"}), 422)
        .await;
}

async fn ratings_keep_one_per_email_and_emoji(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550181", json!({})).await;
    let other = app.dial(&fixture, "+14155550182", json!({})).await;
    let path = format!("/calls/{}/ratings", id_of(&call));
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;

    app.as_key(&viewer)
        .patch(
            &path,
            json!({"emoji": "✅", "email": "viewer@acme.test", "operation": "add"}),
            200,
        )
        .await;
    app.clock.advance_seconds(5);
    app.owner()
        .patch(
            &path,
            json!({"emoji": "✅", "email": "viewer@acme.test", "operation": "add"}),
            200,
        )
        .await;
    // A backdated `created` is ignored: the server's time is recorded.
    let after = app.owner().patch(&path, json!({"emoji": "🚨", "email": "owner@acme.test", "operation": "add", "created": "2024-01-01T00:00:00Z"}), 200).await;
    assert_eq!(
        after["ratings"],
        json!([
            {"emoji": "✅", "email": "viewer@acme.test", "created": "2024-01-01T12:00:00Z"},
            {"emoji": "🚨", "email": "owner@acme.test", "created": "2024-01-01T12:00:05Z"},
        ])
    );

    let filtered = app.owner().get("/calls?ratings=%F0%9F%9A%A8", 200).await;
    assert_eq!(filtered["count"], 1);
    assert_eq!(filtered["calls"][0]["id"], call["id"]);
    let unrated = app.owner().get("/calls?ratings=%F0%9F%91%8E", 200).await;
    assert_eq!(unrated["count"], 0);

    let removed = app
        .owner()
        .patch(
            &path,
            json!({"emoji": "✅", "email": "viewer@acme.test", "operation": "remove"}),
            200,
        )
        .await;
    assert_eq!(removed["ratings"].as_array().unwrap().len(), 1);
    let noop = app
        .owner()
        .patch(
            &path,
            json!({"emoji": "👎", "email": "viewer@acme.test", "operation": "remove"}),
            200,
        )
        .await;
    assert_eq!(noop["ratings"], removed["ratings"]);
    let untouched = app
        .owner()
        .get(&format!("/calls/{}", id_of(&other)), 200)
        .await;
    assert_eq!(untouched["ratings"], json!([]));
}

async fn ratings_are_checked(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550183", json!({})).await;
    let path = format!("/calls/{}/ratings", id_of(&call));
    let bad_emoji = app
        .owner()
        .patch(
            &path,
            json!({"emoji": "😀", "email": "a@b.co", "operation": "add"}),
            422,
        )
        .await;
    assert_eq!(bad_emoji["errors"][0]["field"], "emoji");
    let bad_op = app
        .owner()
        .patch(
            &path,
            json!({"emoji": "✅", "email": "a@b.co", "operation": "toggle"}),
            422,
        )
        .await;
    assert_eq!(bad_op["errors"][0]["field"], "operation");
    app.owner().get("/calls?ratings=nope", 422).await;
}
