//! Finding 3: `GET /usage?end=+262142-12-31` was a 500 (date arithmetic out of range). Every
//! date and time a request can carry is range-checked: extreme values, drawn by proptest and
//! picked by hand, give a 2xx or a 422 naming the parameter, never a 500.

use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use reqwest::Method;
use serde_json::{Value, json};

crate::backend_tests!(every_date_parameter_refuses_extreme_values_with_a_422);

/// Dates and times at and beyond the edges: chrono's limits (±262,142), years without four
/// digits, the accepted range's ends, impossible days; plus 40 drawn at random.
fn extreme_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "+262142-12-31",
        "+262143-01-01",
        "-262143-01-01",
        "+262142-12-31T23:59:59Z",
        "0000-01-01",
        "-0001-12-31",
        "1969-12-31",
        "1969-12-31T23:59:59Z",
        "1970-01-01",
        "9999-12-31",
        "9999-12-31T23:59:59Z",
        "10000-01-01",
        "9999-12-31T23:59:59-14:00",
        "2024-02-30",
        "99999999999999999999-01-01",
        "2024-01-01T25:00:00Z",
    ]
    .map(str::to_owned)
    .to_vec();
    let year = proptest::prop_oneof![
        (-300_000i64..300_000).prop_map(|y| format!("{y:+}")),
        (0i64..100_000).prop_map(|y| format!("{y:04}")),
    ];
    let strategy = (year, 0u32..14, 0u32..33, proptest::bool::ANY).prop_map(
        |(year, month, day, with_time)| {
            let date = format!("{year}-{month:02}-{day:02}");
            if with_time {
                format!("{date}T00:00:00Z")
            } else {
                date
            }
        },
    );
    let mut runner = TestRunner::deterministic();
    for _ in 0..40 {
        values.push(strategy.new_tree(&mut runner).unwrap().current());
    }
    values
}

async fn every_date_parameter_refuses_extreme_values_with_a_422(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550160", json!({})).await;
    let (number, call_id) = (fixture.number_id.to_string(), id_of(&call));
    let encode = |v: &str| v.replace('+', "%2B").replace(':', "%3A");
    for value in extreme_values() {
        let q = encode(&value);
        // (method, path, body, the field a 422 must name)
        let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
            (Method::GET, format!("/calls?from={q}"), None, "from"),
            (Method::GET, format!("/calls?to={q}"), None, "to"),
            (
                Method::GET,
                format!("/calls/current-page?callId={call_id}&from={q}"),
                None,
                "from",
            ),
            (
                Method::GET,
                format!("/usage?start={q}&end=9999-12-31"),
                None,
                "start",
            ),
            (
                Method::GET,
                format!("/usage?start=1970-01-01&end={q}"),
                None,
                "end",
            ),
            (
                Method::POST,
                "/calls/export".to_owned(),
                Some(json!({"to": value})),
                "to",
            ),
            (
                Method::POST,
                "/dial/outbound".to_owned(),
                Some(
                    json!({"number_id": number, "phone_number": "+14155550161", "scheduled_for": value}),
                ),
                "scheduled_for",
            ),
            (
                Method::POST,
                "/dial/outbound-batched".to_owned(),
                Some(
                    json!([{"number_id": number, "phone_number": "+14155550162", "scheduled_for": value}]),
                ),
                "scheduled_for",
            ),
            (
                Method::POST,
                "/dial/scheduled".to_owned(),
                Some(json!({"number_id": number, "calls": [
                    {"phone_number": "+14155550163", "scheduled_date": value}
                ]})),
                "calls[0].scheduled_date",
            ),
        ];
        for (method, path, body, field) in cases {
            let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
            let response = app.owner().send(method.clone(), &path, body, &[]).await;
            let what = format!("{method} {path} with {value:?}");
            match response.status {
                200 | 202 => {}
                // A valid bound that leaves the call out of the matches.
                404 if path.starts_with("/calls/current-page") => {}
                422 => {
                    let named = response.body["errors"]
                        .as_array()
                        .unwrap_or_else(|| panic!("{what}: {}", response.body))
                        .iter()
                        .any(|e| e["field"].as_str().unwrap_or_default().ends_with(field));
                    assert!(
                        named,
                        "{what}: the 422 does not name `{field}`: {}",
                        response.body
                    );
                }
                other => panic!("{what} answered {other}: {}", response.body),
            }
        }
    }
}
