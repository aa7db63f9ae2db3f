//! What operators rely on: request ids, metrics, per-key rate limiting, and the connection
//! cap with its idle timeout (the overload test of the binary is `tests/overload.rs`).

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchyard::config::HttpConfig;
use switchyard_core::enums::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

crate::backend_tests!(
    every_response_carries_a_request_id,
    metrics_count_requests_by_route_and_show_the_platform,
    rate_limits_apply_per_key_when_configured,
    connections_over_the_cap_are_refused_until_a_place_frees,
    idle_connections_are_closed_after_the_idle_timeout,
);

async fn every_response_carries_a_request_id(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let mut seen = std::collections::HashSet::new();
    for (client, path) in [
        (app.owner(), "/calls"),
        (app.anonymous(), "/calls"),
        (app.owner(), "/nowhere"),
    ] {
        let response = client.send(Method::GET, path, None, &[]).await;
        let id = response
            .headers
            .get("x-request-id")
            .expect("x-request-id")
            .to_str()
            .unwrap()
            .to_owned();
        assert!(id.len() >= 16, "{id}");
        assert!(seen.insert(id), "request ids are unique");
    }
    // A caller's own id is kept, so that it can follow its request through the logs.
    let response = app
        .owner()
        .send(
            Method::GET,
            "/calls",
            None,
            &[("x-request-id", "trace-me-123")],
        )
        .await;
    assert_eq!(
        response.headers.get("x-request-id").unwrap(),
        "trace-me-123"
    );
}

async fn metrics_count_requests_by_route_and_show_the_platform(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Check calls").await;
    let call = app.dial(&fixture, "+14155550901", json!({})).await;
    app.owner()
        .get(&format!("/calls/{}", call["id"].as_str().unwrap()), 200)
        .await;
    let text = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 200);
    let text = text.text().await.unwrap();
    for expected in [
        r#"http_requests_total{method="GET",route="/api/v1/calls/{id}",status="200"}"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/calls/{id}",status="200",le="0.005"}"#,
        r#"switchyard_calls{status="In progress"}"#,
        "switchyard_queue_depth ",
        "switchyard_webhook_backlog ",
        r#"switchyard_db_connections{state="open"}"#,
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    // Raw paths never become labels: one series per route, not per call.
    assert!(!text.contains(call["id"].as_str().unwrap()));
    let queued: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("switchyard_queue_depth "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(queued, 1);
}

async fn rate_limits_apply_per_key_when_configured(db: TestDatabase) {
    let http = HttpConfig {
        rate_limit_per_second: 1,
        rate_limit_burst: 3,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(db, http).await;
    let other = app.key(&app.org, "other@acme.test", Role::Viewer).await;
    for _ in 0..3 {
        app.owner().get("/calls", 200).await;
    }
    let limited = app.owner().send(Method::GET, "/calls", None, &[]).await;
    assert_eq!(limited.status, 429);
    assert_error_body(&limited.body);
    let retry_after: u64 = limited
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    // Another key has its own allowance.
    app.as_key(&other).get("/calls", 200).await;
}

async fn connections_over_the_cap_are_refused_until_a_place_frees(db: TestDatabase) {
    let http = HttpConfig {
        max_connections: 2,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(db, http).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Two connections that send nothing take both places (the server accepts in order).
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    let calls = format!("{}/api/v1/calls", app.base);
    let fresh = || {
        reqwest::Client::new()
            .get(&calls)
            .bearer_auth(&app.org.owner_key)
    };
    let refused = fresh().send().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    assert!(refused.headers().contains_key("x-request-id"));
    assert_eq!(refused.headers()["connection"], "close");
    assert_error_body(&refused.json::<Value>().await.unwrap());
    // One of them asks to be closed: once it has seen the close, its place is free again.
    let mut first = held.remove(0);
    first
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    first.read_to_end(&mut answer).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"));
    let served = fresh().send().await.unwrap();
    assert_eq!(served.status(), 200);
    let text = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("switchyard_connections_refused_total"),
        "{text}"
    );
}

async fn idle_connections_are_closed_after_the_idle_timeout(db: TestDatabase) {
    let http = HttpConfig {
        idle_timeout_ms: 200,
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(db, http).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(10), idle.read(&mut byte))
        .await
        .expect("the server closes an idle connection");
    // Closed without an answer: end of stream (or a reset).
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(started.elapsed() >= Duration::from_millis(200));
    // A connection that keeps sending requests is not idle.
    app.owner().get("/calls", 200).await;
}
