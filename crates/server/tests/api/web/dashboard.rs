//! The Dashboard page: its figures equal what the API says for the same days (`GET /calls`
//! counts, `GET /usage`), in the organization's time zone as its clock moves; charts come
//! with tables and CSV; a bad period or another organization's use case is an error beside
//! its field; every member reads it.

use super::client::{Browser, Page};
use crate::common::TestDatabase;
use crate::harness::TestApp;
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    the_figures_match_the_api_in_the_organizations_time_zone,
    bad_periods_and_use_cases_are_shown_beside_their_fields,
    every_member_reads_it_and_charts_come_as_csv,
);

/// The `data-value` of the element marked `data-metric="{name}"`.
fn metric(page: &Page, name: &str) -> String {
    let marker = format!("data-metric=\"{name}\" data-value=\"");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no metric `{name}` in:\n{}", page.body))
        + marker.len();
    let end = page.body[start..].find('"').unwrap() + start;
    page.body[start..end].to_owned()
}

/// Calls of known outcome, talk time, costs and tags around 2024-01-01 (the clock's day).
async fn seed(app: &TestApp) -> (Value, String) {
    let queued = super::a_call(app, "+14155550601").await;
    let use_case = queued["use_case"]["id"].as_str().unwrap().to_owned();
    let calls = [
        (
            "2024-01-01T10:00:00Z",
            "Completed",
            "completed",
            60.0,
            0.01,
            0.05,
            vec!["booked"],
        ),
        // 00:30 on January 1st in Paris, still December 31st in UTC.
        (
            "2023-12-31T23:30:00Z",
            "Completed",
            "customer_hangup",
            120.0,
            0.02,
            0.1,
            vec!["booked", "vip"],
        ),
        (
            "2023-12-31T22:30:00Z",
            "Completed",
            "completed",
            90.0,
            0.015,
            0.075,
            vec![],
        ),
        (
            "2023-12-30T12:00:00Z",
            "Busy",
            "busy",
            0.0,
            0.001,
            0.0,
            vec![],
        ),
        (
            "2023-12-29T12:00:00Z",
            "Transferred",
            "transferred",
            300.0,
            0.05,
            0.25,
            vec!["vip"],
        ),
        (
            "2023-12-29T13:00:00Z",
            "Canceled",
            "canceled",
            0.0,
            0.0,
            0.0,
            vec![],
        ),
        // Outside the last 7 and 30 days.
        (
            "2023-11-01T12:00:00Z",
            "Completed",
            "completed",
            45.0,
            0.01,
            0.04,
            vec!["old"],
        ),
    ];
    for (created, status, reason, talk, telephony, ai, tags) in calls {
        app.seed_call(&queued, status, |call| {
            call["created"] = json!(created);
            call["end_reason"] = json!(reason);
            call["duration"] = json!(talk);
            call["costs"] = json!({"currency": "USD", "telephony": telephony, "ai": ai, "total": telephony + ai});
            call["metadata"]["tags"] = json!(tags);
        })
        .await;
    }
    (queued, use_case)
}

/// `GET /calls` count for the page's own `from`/`to`, and `GET /usage` calls and minutes
/// for its days.
async fn api_figures(app: &TestApp, page: &Page, first: &str, last: &str) -> (u64, u64, f64) {
    let from = page
        .body
        .split("data-from=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let to = page
        .body
        .split("data-to=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let list = app
        .owner()
        .get(&format!("/calls?limit=1&from={from}&to={to}"), 200)
        .await;
    let usage = app
        .owner()
        .get(&format!("/usage?start={first}&end={last}"), 200)
        .await;
    let rows = usage.as_array().unwrap();
    let calls = rows.iter().map(|r| r["calls"].as_u64().unwrap()).sum();
    let minutes = rows.iter().map(|r| r["minutes"].as_f64().unwrap()).sum();
    (list["count"].as_u64().unwrap(), calls, minutes)
}

async fn the_figures_match_the_api_in_the_organizations_time_zone(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.owner()
        .patch("/org", json!({"timezone": "Europe/Paris"}), 200)
        .await;
    seed(&app).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    let week = browser.get("/dashboard").await;
    assert_eq!(week.status, 200, "{}", week.body);
    assert!(
        week.body
            .contains("Last 7 days: 2023-12-26 to 2024-01-01 (Europe/Paris)")
    );
    // The dialed (queued) call and six seeded ones; not the one of November.
    assert_eq!(metric(&week, "calls_total"), "7");
    let (listed, usage_calls, usage_minutes) =
        api_figures(&app, &week, "2023-12-26", "2024-01-01").await;
    assert_eq!(listed, 7);
    assert_eq!(metric(&week, "usage_calls"), usage_calls.to_string());
    assert_eq!(
        metric(&week, "usage_minutes"),
        format!("{usage_minutes:.2}")
    );
    assert_eq!(usage_minutes, 9.5, "570 s of talk");
    // Answered: the three Completed and the Transferred of the four dialed plus the Busy.
    assert_eq!(metric(&week, "answer_rate"), "0.8000");
    // Talk times 60, 90, 120, 300: nearest rank 2 and 4.
    assert_eq!(metric(&week, "talk_median_secs"), "90.000");
    assert_eq!(metric(&week, "talk_p90_secs"), "300.000");
    assert_eq!(metric(&week, "cost_telephony"), "0.10");
    assert_eq!(metric(&week, "cost_ai"), "0.47");
    assert!(
        week.body
            .contains("<th scope=\"row\">booked</th><td>2</td>")
    );
    assert!(
        week.body
            .contains("<th scope=\"row\">completed</th><td>2</td>")
    );
    assert!(
        week.body
            .contains("role=\"img\" aria-labelledby=\"chart-outcomes-title\"")
    );
    // One table row per local day; the 1st has the dialed call and two Completed.
    assert_eq!(
        week.body.matches("<tr><th scope=\"row\">2023-12-").count() / 2,
        6
    );
    assert!(week.body.contains(
        "<tr><th scope=\"row\">2024-01-01</th><td>2</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td><td>3</td></tr>"
    ));

    // Today in Paris holds the call of 00:30 local; in UTC it does not.
    let today = browser.get("/dashboard?period=today").await;
    assert_eq!(metric(&today, "calls_total"), "3");
    let (listed, usage_calls, _) = api_figures(&app, &today, "2024-01-01", "2024-01-01").await;
    assert_eq!((listed, usage_calls), (3, 3));
    app.owner()
        .patch("/org", json!({"timezone": "UTC"}), 200)
        .await;
    let today = browser.get("/dashboard?period=today").await;
    assert_eq!(metric(&today, "calls_total"), "2");
    let (listed, usage_calls, _) = api_figures(&app, &today, "2024-01-01", "2024-01-01").await;
    assert_eq!((listed, usage_calls), (2, 2));

    // A day later (signed in again: sessions last 12 hours), today is empty and the
    // custom period still finds the calls.
    app.clock.advance_seconds(86_400);
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let tomorrow = browser.get("/dashboard?period=today").await;
    assert_eq!(metric(&tomorrow, "calls_total"), "0");
    assert_eq!(metric(&tomorrow, "answer_rate"), "");
    let custom = browser
        .get("/dashboard?period=custom&from=2023-11-01&to=2023-11-01")
        .await;
    assert_eq!(metric(&custom, "calls_total"), "1");
    assert_eq!(metric(&custom, "talk_median_secs"), "45.000");
}

async fn bad_periods_and_use_cases_are_shown_beside_their_fields(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let (_, use_case) = seed(&app).await;
    let other = app.new_org("Other", "owner@other.test").await;
    let theirs = app.number_with_use_case(&other, "Theirs").await.use_case_id;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    let backwards = browser
        .get("/dashboard?period=custom&from=2024-01-05&to=2024-01-01")
        .await;
    assert_eq!(backwards.status, 422);
    assert!(
        backwards
            .body
            .contains("aria-invalid=\"true\" aria-describedby=\"err-to\"")
    );
    assert!(
        backwards
            .body
            .contains("id=\"err-to\">must not be before `from`</p>")
    );
    assert!(
        !backwards.body.contains("data-metric"),
        "no figures with an error"
    );

    let unreadable = browser
        .get("/dashboard?period=custom&from=2024-13-01")
        .await;
    assert_eq!(unreadable.status, 422);
    assert!(
        unreadable
            .body
            .contains("id=\"err-from\">`2024-13-01` is not a date")
    );
    assert!(
        unreadable
            .body
            .contains("id=\"err-to\">required for custom dates")
    );
    let unknown = browser.get("/dashboard?period=weekly").await;
    assert!(
        unknown
            .body
            .contains("id=\"err-period\">`weekly` is not one of")
    );

    // Another organization's use case is refused exactly like a made-up one.
    let made_up = browser
        .get("/dashboard?use_case_id=0123456789abcdef01234567")
        .await;
    let foreign = browser
        .get(&format!("/dashboard?use_case_id={theirs}"))
        .await;
    assert_eq!((made_up.status, foreign.status), (422, 422));
    let message = "id=\"err-use_case_id\">no such use case in your organization</p>";
    assert!(made_up.body.contains(message) && foreign.body.contains(message));

    // The own use case filters like `GET /calls?use_cases=`.
    let own = browser
        .get(&format!("/dashboard?period=30d&use_case_id={use_case}"))
        .await;
    assert_eq!(own.status, 200);
    let listed = app
        .owner()
        .get(
            &format!("/calls?limit=1&use_cases={use_case}&from=2023-12-03&to=2024-01-01"),
            200,
        )
        .await;
    assert_eq!(metric(&own, "calls_total"), listed["count"].to_string());
    let none = app
        .number_with_use_case(&app.org, "Quiet")
        .await
        .use_case_id;
    let quiet = browser.get(&format!("/dashboard?use_case_id={none}")).await;
    assert_eq!(metric(&quiet, "calls_total"), "0");
    assert_eq!(metric(&quiet, "usage_calls"), "0");
}

async fn every_member_reads_it_and_charts_come_as_csv(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    seed(&app).await;
    assert_eq!(Browser::new(&app).get("/dashboard").await.status, 303);
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let browser = Browser::signed_in(&app, &viewer).await;
    let page = browser.get("/dashboard?period=30d").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("href=\"/dashboard.csv?chart=tags&amp;period=30d\"")
    );

    let tags = browser.get("/dashboard.csv?chart=tags&period=30d").await;
    assert_eq!(tags.status, 200);
    assert_eq!(tags.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        tags.headers["content-disposition"],
        "attachment; filename=\"dashboard-tags-2023-12-03-2024-01-01.csv\""
    );
    assert_eq!(tags.body, "tag,calls\r\nbooked,2\r\nvip,2\r\nweb,1\r\n");
    let outcomes = browser
        .get("/dashboard.csv?chart=outcomes&period=today")
        .await;
    assert_eq!(
        outcomes.body,
        "date,Completed,Transferred,Voicemail (AMD),Busy,No answer,Failed,Canceled,Live,Scheduled or queued,total\r\n\
         2024-01-01,1,0,0,0,0,0,0,0,1,2\r\n"
    );
    let costs = browser
        .get("/dashboard.csv?chart=costs&period=custom&from=2023-12-29&to=2023-12-29")
        .await;
    assert_eq!(
        costs.body,
        "date,telephony,ai,total\r\n2023-12-29,0.050000,0.250000,0.300000\r\n"
    );
    let usage = browser.get("/dashboard.csv?chart=usage&period=today").await;
    assert!(usage.body.starts_with("use_case_id,calls,minutes\r\n"));
    assert!(usage.body.ends_with(",2,1\r\n"), "{}", usage.body);
    let bad = browser.get("/dashboard.csv?chart=pie").await;
    assert_eq!(bad.status, 422);
}
