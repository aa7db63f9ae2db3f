//! Finding 1: every label of the request metrics comes from a bounded set. Invented methods
//! count as `other`, whatever their length; the process's memory under thousands of them is
//! checked on the binary in `tests/overload.rs`.

use crate::common::TestDatabase;
use crate::harness::TestApp;
use reqwest::Method;

crate::backend_tests!(invented_methods_share_one_series);

async fn invented_methods_share_one_series(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let marker = format!("INVENTED{}", rand_suffix());
    for i in 0..50 {
        let method =
            Method::from_bytes(format!("{marker}{i:03}{}", "X".repeat(500)).as_bytes()).unwrap();
        for path in ["/healthz", "/api/v1/calls", "/no/such/path"] {
            let response = app
                .http
                .request(method.clone(), format!("{}{path}", app.base))
                .send()
                .await
                .unwrap();
            assert!(response.status().is_client_error(), "{}", response.status());
        }
    }
    let metrics = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !metrics.contains(&marker),
        "an invented method became a label"
    );
    let methods: std::collections::BTreeSet<&str> = metrics
        .lines()
        .filter(|line| line.starts_with("http_requests_total{"))
        .filter_map(|line| line.split("method=\"").nth(1)?.split('"').next())
        .collect();
    assert!(methods.contains("other"), "{methods:?}");
    for method in &methods {
        assert!(
            [
                "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
                "other"
            ]
            .contains(method),
            "{method}"
        );
    }
}

fn rand_suffix() -> u32 {
    std::process::id()
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos())
}
