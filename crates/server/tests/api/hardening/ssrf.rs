//! Finding 2: the SSRF guard follows IANA's special-purpose registries, unwraps or refuses
//! IPv4 carried in IPv6, and checks a hook when its use case is saved, not only when a
//! webhook is sent. Delivery-time refusals and their neutral log lines: `webhooks.rs`.

use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of, test_engine_config};
use serde_json::json;
use switchyard::config::HttpConfig;
use switchyard_engine::config::{EngineConfig, WebhookConfig};
use switchyard_engine::webhooks::guard::REFUSED;

crate::backend_tests!(
    hooks_that_are_not_public_are_refused_when_saved,
    the_allow_list_lifts_the_check,
);

async fn strict_app(db: TestDatabase, allow_list: &[&str]) -> TestApp {
    let base = test_engine_config();
    let config = EngineConfig {
        webhooks: WebhookConfig {
            allow_private: false,
            allow_list: allow_list.iter().map(|s| (*s).to_owned()).collect(),
            ..base.webhooks.clone()
        },
        ..base
    };
    TestApp::spawn_configured(db, HttpConfig::default(), config).await
}

/// One member of each class the probe found open, and the classic ones.
const NOT_PUBLIC: [&str; 16] = [
    "http://127.0.0.1:9/",
    "http://[::1]:9/",
    "http://[::ffff:169.254.169.254]/latest",
    "http://[::127.0.0.1]/",                          // IPv4-compatible
    "http://[::a9fe:a9fe]/",                          // IPv4-compatible, written in hex
    "http://[64:ff9b::a9fe:a9fe]/",                   // NAT64
    "http://[2002:a00:1::1]/",                        // 6to4 of 10.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", // Teredo
    "http://[fec0::1]/",                              // deprecated site local
    "http://[fd00::1]/",                              // unique local
    "http://198.18.0.1/",                             // benchmarking
    "http://240.0.0.1/",                              // reserved, class E
    "http://192.0.0.8/",                              // IETF protocol assignments
    "http://100.100.100.200/",                        // shared address space
    "http://0.0.0.0:9/",
    "http://localhost:9/",
];

async fn hooks_that_are_not_public_are_refused_when_saved(db: TestDatabase) {
    let app = strict_app(db, &[]).await;
    let created = app
        .owner()
        .post(
            "/use-cases",
            json!({"name": "Public", "hooks": [{"url": "http://93.184.216.34/in"}]}),
            200,
        )
        .await;
    let path = format!("/use-cases/{}", id_of(&created));
    for url in NOT_PUBLIC
        .into_iter()
        .chain(["http://no-such-host.invalid/in"])
    {
        let hooks = json!([{"url": "http://93.184.216.34/in"}, {"url": url}]);
        for refused in [
            app.owner()
                .post(
                    "/use-cases",
                    json!({"name": "Private", "hooks": hooks}),
                    422,
                )
                .await,
            app.owner().patch(&path, json!({"hooks": hooks}), 422).await,
        ] {
            assert_eq!(
                refused["errors"],
                json!([{"field": "hooks[1].url", "message": REFUSED}]),
                "{url}"
            );
        }
    }
    let unchanged = app.owner().get(&path, 200).await;
    assert_eq!(unchanged["hooks"], created["hooks"]);
}

async fn the_allow_list_lifts_the_check(db: TestDatabase) {
    let app = strict_app(db, &["127.0.0.0/8", "hooks.internal.test"]).await;
    for url in ["http://127.0.0.1:9/in", "http://hooks.internal.test/in"] {
        app.owner()
            .post(
                "/use-cases",
                json!({"name": "Listed", "hooks": [{"url": url}]}),
                200,
            )
            .await;
    }
    app.owner()
        .post(
            "/use-cases",
            json!({"name": "Not listed", "hooks": [{"url": "http://10.0.0.1/in"}]}),
            422,
        )
        .await;
}
