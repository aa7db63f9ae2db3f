//! Finding 11: every error is the contract's JSON body, from our handlers or not (a `405`,
//! an unknown file under `/docs`, a request head too large or malformed for the HTTP
//! library), and a client's `x-request-id` is echoed and logged only when it is short and
//! safe. `/docs` has a content security policy.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body};
use serde_json::Value;
use std::io::{Read, Write};

crate::backend_tests!(
    errors_from_outside_our_handlers_are_json,
    unreadable_request_heads_get_json_too,
    only_safe_request_ids_are_echoed,
);

async fn get(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = app
        .http
        .request(method, format!("{}{path}", app.base))
        .header("authorization", format!("Bearer {}", app.org.owner_key))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (status, headers, body)
}

async fn errors_from_outside_our_handlers_are_json(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    for (method, path) in [
        (reqwest::Method::PUT, "/api/v1/calls"),
        (reqwest::Method::DELETE, "/api/v1/use-cases"),
        (reqwest::Method::POST, "/healthz"),
        (reqwest::Method::PATCH, "/api/v1/openapi.json"),
    ] {
        let (status, headers, body) = get(&app, method.clone(), path).await;
        assert_eq!(status, 405, "{method} {path}");
        assert_eq!(headers["content-type"], "application/json");
        assert!(headers.contains_key("allow"), "{headers:?}");
        assert_error_body(&body);
    }
    for path in [
        "/docs/no-such-file.js",
        "/docs/../../etc/passwd",
        "/nowhere",
    ] {
        let (status, headers, body) = get(&app, reqwest::Method::GET, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(headers["content-type"], "application/json");
        assert_error_body(&body);
    }
    let docs = app
        .http
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    let csp = docs.headers()["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
}

/// Sends `head` on a fresh connection; the status and body of the answer.
fn raw_request(base: &str, head: &[u8]) -> (u16, String, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // The server may answer and close before it has read all of an oversized head.
    let _ = stream.write_all(head);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    (status, head.to_owned(), body.to_owned())
}

async fn unreadable_request_heads_get_json_too(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let base = app.base.clone();
    let long_query = format!(
        "GET /api/v1/calls?search={} HTTP/1.1\r\nhost: x\r\n\r\n",
        "a".repeat(40_000)
    );
    let many_headers: String = (0..2000)
        .map(|i| format!("x-filler-{i}: {}\r\n", "b".repeat(20)))
        .collect();
    let big_headers = format!("GET /healthz HTTP/1.1\r\nhost: x\r\n{many_headers}\r\n");
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (long_query.into_bytes(), 431),
        (big_headers.into_bytes(), 431),
        (
            b"GET /healthz HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n".to_vec(),
            400,
        ),
        (b"GET /healthz HTTP/9.9\r\nhost: x\r\n\r\n".to_vec(), 400),
        (b"G(T /healthz HTTP/1.1\r\nhost: x\r\n\r\n".to_vec(), 400),
    ];
    for (head, expected) in cases {
        let base = base.clone();
        let (status, head, body) = tokio::task::spawn_blocking(move || raw_request(&base, &head))
            .await
            .unwrap();
        assert_eq!(status, expected, "{head}\n{body}");
        let lower = head.to_ascii_lowercase();
        assert!(lower.contains("content-type: application/json"), "{head}");
        assert!(lower.contains("x-request-id: "), "{head}");
        let json: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body:?}"));
        assert_error_body(&json);
    }
    // The server is still there.
    let (status, _, _) = get(&app, reqwest::Method::GET, "/api/v1/calls").await;
    assert_eq!(status, 200);
}

async fn only_safe_request_ids_are_echoed(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let echo = |id: String| {
        let app = &app;
        async move {
            let response = app
                .http
                .get(format!("{}/healthz", app.base))
                .header("x-request-id", id)
                .send()
                .await
                .unwrap();
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    for safe in ["abc-123", "req_01HZX:9/x+y=z@host", &"a".repeat(128)] {
        assert_eq!(echo(safe.to_owned()).await, safe);
    }
    for unsafe_id in [
        "a".repeat(129),
        "x".repeat(8 * 1024),
        "<script>alert(1)</script>".to_owned(),
        "two words".to_owned(),
        "quote\"d".to_owned(),
    ] {
        let given = echo(unsafe_id.clone()).await;
        assert_ne!(given, unsafe_id);
        assert!(given.len() <= 128 && !given.is_empty(), "{given}");
        assert!(
            given
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "{given}"
        );
    }
}
