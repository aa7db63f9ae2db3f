//! Finding 8: ratings and views are the caller's own; only an Owner acts for another
//! member (never for someone outside the organization), and a rating's time is the server's.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, id_of};
use serde_json::json;
use switchyard_core::enums::Role;

crate::backend_tests!(
    only_owners_rate_or_mark_viewed_for_others,
    a_rating_is_recorded_at_the_servers_time,
);

async fn only_owners_rate_or_mark_viewed_for_others(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550150", json!({})).await;
    let path = format!("/calls/{}", id_of(&call));
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let requests = |email: &str| {
        [
            (
                format!("{path}/ratings"),
                json!({"emoji": "🚨", "email": email, "operation": "add"}),
            ),
            (
                format!("{path}/ratings"),
                json!({"emoji": "✅", "email": email, "operation": "remove"}),
            ),
            (format!("{path}/viewed"), json!({"email": email})),
        ]
    };

    // Not an Owner: another member, the Owner, someone outside: all 403.
    for key in [&viewer, &rep] {
        for email in [
            "owner@acme.test",
            "rep@acme.test",
            "stranger@elsewhere.test",
        ] {
            for (to, body) in requests(email) {
                if email == "rep@acme.test" && key == &rep {
                    continue;
                }
                let refused = app.as_key(key).patch(&to, body, 403).await;
                assert_error_body(&refused);
            }
        }
    }
    // Their own email, given or not, is fine.
    for (to, body) in requests("VIEWER@acme.test") {
        app.as_key(&viewer).patch(&to, body, 200).await;
    }
    // An Owner may act for a member, not for a stranger.
    for (to, body) in requests("rep@acme.test") {
        app.owner().patch(&to, body, 200).await;
    }
    for (to, body) in requests("stranger@elsewhere.test") {
        let refused = app.owner().patch(&to, body, 422).await;
        assert_eq!(refused["errors"][0]["field"], "email");
    }
    let after = app.owner().get(&path, 200).await;
    assert_eq!(
        after["viewed_by"],
        json!(["viewer@acme.test", "rep@acme.test"])
    );
    let raters: Vec<&str> = after["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    assert_eq!(raters, ["viewer@acme.test", "rep@acme.test"]);
}

async fn a_rating_is_recorded_at_the_servers_time(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550151", json!({})).await;
    let path = format!("/calls/{}/ratings", id_of(&call));
    app.clock.advance_seconds(30);
    for created in ["2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "not a time"] {
        let rated = app
            .owner()
            .patch(
                &path,
                json!({"emoji": "👎", "operation": "add", "created": created}),
                200,
            )
            .await;
        assert_eq!(rated["ratings"][0]["created"], "2024-01-01T12:00:30Z");
        app.owner()
            .patch(&path, json!({"emoji": "👎", "operation": "remove"}), 200)
            .await;
    }
}
