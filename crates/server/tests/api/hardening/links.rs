//! Finding 10: without `--public-url`, a recording link is built from the request's `Host`,
//! which must then be a host name or address with an optional port: anything else is a 400,
//! never echoed into the link.

use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body, id_of};
use reqwest::Method;
use serde_json::json;

crate::backend_tests!(only_a_valid_host_goes_into_a_link);

async fn only_a_valid_host_goes_into_a_link(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let dialed = app.dial(&fixture, "+14155550190", json!({})).await;
    app.run_engine().await;
    app.advance(200).await;
    let path = format!("/calls/{}/recording", id_of(&dialed));

    for host in [
        "evil.example\"><x",
        "evil.example/<script>",
        "user@evil.example",
        "evil.example:99999",
        "evil.example:80:80",
        "[::1",
        "a b",
    ] {
        let response = app
            .owner()
            .send(Method::GET, &path, None, &[("host", host)])
            .await;
        assert_eq!(response.status, 400, "{host}: {}", response.body);
        assert_error_body(&response.body);
        assert!(
            !response.body.to_string().contains("<x"),
            "{}",
            response.body
        );
    }
    for (host, base) in [
        ("calls.example.com", "http://calls.example.com/recordings/"),
        (
            "calls.example.com:8443",
            "http://calls.example.com:8443/recordings/",
        ),
        ("[::1]:8080", "http://[::1]:8080/recordings/"),
    ] {
        let response = app
            .owner()
            .send(Method::GET, &path, None, &[("host", host)])
            .await;
        assert_eq!(response.status, 200, "{host}: {}", response.body);
        let url = response.body["url"].as_str().unwrap();
        assert!(url.starts_with(base), "{url}");
    }
}
