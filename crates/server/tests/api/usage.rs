//! `GET /usage` (contract §4 #8): periods in the organization's time zone, including the
//! edges of a day and a DST change, and the per-use-case shape.

use crate::common::TestDatabase;
use crate::harness::{Fixture, TestApp};
use serde_json::{Value, json};
use switchyard_core::UseCaseId;
use switchyard_core::enums::Role;
use switchyard_core::time::Timestamp;

crate::backend_tests!(
    daily_usage_splits_at_local_midnight,
    weekly_usage_follows_a_dst_change,
    monthly_usage_is_the_default,
    usage_per_use_case_over_a_range,
    bad_usage_queries_are_422,
    the_organization_time_zone_is_an_owner_setting,
);

/// A completed call of `fixture`'s use case created at `at`, `duration` seconds long.
async fn call_at(app: &TestApp, fixture: &Fixture, at: &str, duration: f64) {
    let template = app.dial(fixture, "+14155550700", json!({})).await;
    app.seed_call(&template, "Completed", |call| {
        call["created"] = json!(at);
        call["duration"] = json!(duration);
        call["end_reason"] = json!("completed");
    })
    .await;
    // The dialed template itself is a call too: cancel it out of the way (0 s, same day).
    app.owner()
        .delete(&format!("/calls/{}", template["id"].as_str().unwrap()), 200)
        .await;
}

fn row<'a>(rows: &'a Value, period: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == period)
        .unwrap_or_else(|| panic!("no period {period} in {rows}"))
}

async fn daily_usage_splits_at_local_midnight(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    call_at(&app, &fixture, "2023-12-31T23:59:59Z", 60.0).await;
    call_at(&app, &fixture, "2024-01-01T00:00:00Z", 30.0).await;
    call_at(&app, &fixture, "2024-01-01T11:00:00Z", 10.5).await;
    // Another organization's calls never count.
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let theirs = app.number_with_use_case(&other, "Theirs").await;
    let template = app
        .as_key(&other.owner_key)
        .post(
            "/dial/outbound",
            json!({"number_id": theirs.number_id.to_string(), "phone_number": "+14155550701"}),
            200,
        )
        .await;
    app.seed_call(&template, "Completed", |c| c["duration"] = json!(999.0))
        .await;

    let rows = app.owner().get("/usage?timeframe=daily", 200).await;
    let list = rows.as_array().unwrap();
    assert_eq!(list.len(), 30);
    assert_eq!(list[0]["period"], "2023-12-03");
    assert_eq!(list[29]["period"], "2024-01-01", "the current day is last");
    assert_eq!(list[29]["organization_id"], app.org.id.to_string());
    assert_eq!(
        (
            row(&rows, "2024-01-01")["callCount"].as_u64(),
            row(&rows, "2024-01-01")["duration"].as_f64()
        ),
        (Some(2), Some(40.5))
    );
    assert_eq!(
        (
            row(&rows, "2023-12-31")["callCount"].as_u64(),
            row(&rows, "2023-12-31")["duration"].as_f64()
        ),
        (Some(1), Some(60.0))
    );
    assert_eq!(row(&rows, "2023-12-30")["callCount"], 0);

    // In New York (UTC-5) the first two calls fall on the 31st, the third on the 1st.
    app.owner()
        .patch("/org", json!({"timezone": "America/New_York"}), 200)
        .await;
    let rows = app.owner().get("/usage?timeframe=daily", 200).await;
    assert_eq!(row(&rows, "2023-12-31")["callCount"], 2);
    assert_eq!(row(&rows, "2023-12-31")["duration"], 90.0);
    assert_eq!(row(&rows, "2024-01-01")["callCount"], 1);
}

async fn weekly_usage_follows_a_dst_change(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    app.owner()
        .patch("/org", json!({"timezone": "America/New_York"}), 200)
        .await;
    app.clock
        .set(Timestamp::parse("2024-03-12T12:00:00Z").unwrap());
    // Clocks went forward on Sunday 10 March: Monday 11 March starts at 04:00 UTC (EDT),
    // Monday 4 March started at 05:00 UTC (EST).
    call_at(&app, &fixture, "2024-03-04T04:59:59Z", 1.0).await;
    call_at(&app, &fixture, "2024-03-04T05:00:00Z", 2.0).await;
    call_at(&app, &fixture, "2024-03-11T03:59:59Z", 4.0).await;
    call_at(&app, &fixture, "2024-03-11T04:00:00Z", 8.0).await;
    let rows = app.owner().get("/usage?timeframe=weekly", 200).await;
    assert_eq!(rows.as_array().unwrap().len(), 12);
    assert_eq!(rows[11]["period"], "2024-03-11");
    assert_eq!(
        (
            rows[11]["callCount"].as_u64(),
            rows[11]["duration"].as_f64()
        ),
        (Some(1), Some(8.0))
    );
    assert_eq!(
        (
            rows[10]["period"].as_str(),
            rows[10]["callCount"].as_u64(),
            rows[10]["duration"].as_f64()
        ),
        (Some("2024-03-04"), Some(2), Some(6.0))
    );
    assert_eq!(
        (rows[9]["period"].as_str(), rows[9]["callCount"].as_u64()),
        (Some("2024-02-26"), Some(1))
    );
}

async fn monthly_usage_is_the_default(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    call_at(&app, &fixture, "2023-02-28T23:59:59Z", 5.0).await;
    call_at(&app, &fixture, "2023-03-01T00:00:00Z", 7.0).await;
    call_at(&app, &fixture, "2023-12-15T10:00:00Z", 9.0).await;
    let rows = app.owner().get("/usage", 200).await;
    let periods: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods.first(), Some(&"2023-02"));
    assert_eq!(periods.last(), Some(&"2024-01"));
    assert_eq!(periods.len(), 12);
    assert_eq!(row(&rows, "2023-02")["callCount"], 1);
    assert_eq!(row(&rows, "2023-03")["callCount"], 1);
    assert_eq!(row(&rows, "2023-12")["duration"], 9.0);
    assert_eq!(app.owner().get("/usage?timeframe=monthly", 200).await, rows);
}

async fn usage_per_use_case_over_a_range(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let sales = app.number_with_use_case(&app.org, "Sales").await;
    let checks = app.number_with_use_case(&app.org, "Checks").await;
    call_at(&app, &sales, "2023-12-01T00:00:00Z", 90.0).await;
    call_at(&app, &sales, "2023-12-31T23:59:59Z", 30.0).await;
    call_at(&app, &checks, "2023-12-15T12:00:00Z", 45.0).await;
    call_at(&app, &sales, "2024-01-01T00:00:00Z", 600.0).await;
    call_at(&app, &sales, "2023-11-30T23:59:59Z", 600.0).await;

    let rows = app
        .owner()
        .get("/usage?start=2023-12-01&end=2023-12-31", 200)
        .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let by_use_case = |id: &UseCaseId| {
        rows.iter()
            .find(|r| r["use_case_id"] == id.to_string())
            .unwrap()
            .clone()
    };
    let sales_row = by_use_case(&sales.use_case_id);
    assert_eq!(sales_row["org_id"], app.org.id.to_string());
    assert_eq!(
        (sales_row["calls"].as_u64(), sales_row["minutes"].as_f64()),
        (Some(2), Some(2.0))
    );
    assert_eq!(sales_row["start"], "2023-12-01T00:00:00Z");
    assert_eq!(
        sales_row["end"], "2024-01-01T00:00:00Z",
        "a date as `end` includes that day"
    );
    assert_eq!(by_use_case(&checks.use_case_id)["minutes"], 0.75);

    let instants = app
        .owner()
        .get(
            "/usage?start=2023-12-15T00:00:00Z&end=2023-12-15T12:00:00Z",
            200,
        )
        .await;
    assert_eq!(instants, json!([]), "`end` is exclusive");
}

async fn bad_usage_queries_are_422(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (query, field) in [
        ("timeframe=hourly", "timeframe"),
        ("start=2024-01-01", "end"),
        ("end=2024-01-01", "start"),
        ("start=yesterday&end=2024-01-01", "start"),
        ("start=2024-01-02&end=2024-01-01T00:00:00Z", "end"),
        (
            "timeframe=daily&start=2024-01-01&end=2024-01-02",
            "timeframe",
        ),
    ] {
        let error = app.owner().get(&format!("/usage?{query}"), 422).await;
        assert_eq!(error["errors"][0]["field"], field, "{query}: {error}");
    }
    app.anonymous().get("/usage", 401).await;
}

async fn the_organization_time_zone_is_an_owner_setting(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert_eq!(app.owner().get("/org", 200).await["timezone"], "UTC");
    let error = app
        .owner()
        .patch("/org", json!({"timezone": "Mars/Olympus"}), 422)
        .await;
    assert_eq!(error["errors"][0]["field"], "timezone");
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    app.as_key(&viewer)
        .patch("/org", json!({"timezone": "Europe/Madrid"}), 403)
        .await;
    let changed = app
        .owner()
        .patch("/org", json!({"timezone": "Europe/Madrid"}), 200)
        .await;
    assert_eq!(changed["timezone"], "Europe/Madrid");
    assert_eq!(
        app.as_key(&viewer).get("/org", 200).await["timezone"],
        "Europe/Madrid"
    );
}
