use crate::common::TestDatabase;
use crate::harness::{TestApp, assert_error_body};
use reqwest::Method;
use serde_json::json;
use switchyard::config::HttpConfig;
use switchyard_core::enums::Role;

crate::backend_tests!(
    requests_without_a_valid_key_are_401,
    the_bearer_scheme_is_optional_and_case_insensitive,
    revoked_keys_and_removed_members_lose_access,
    member_changes_through_the_api_apply_at_once,
    with_the_key_cache_off_a_revocation_applies_at_once,
);

async fn requests_without_a_valid_key_are_401(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    assert_error_body(&app.anonymous().get("/calls", 401).await);
    for bad in [
        "nope",
        "sy_",
        "sy_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        &app.org.owner_key[..app.org.owner_key.len() - 1],
    ] {
        let error = app.as_key(bad).get("/calls", 401).await;
        assert_error_body(&error);
    }
    let tampered = format!("{}x", &app.org.owner_key[..app.org.owner_key.len() - 1]);
    app.as_key(&tampered).get("/org", 401).await;
    let basic = app
        .anonymous()
        .send(
            Method::GET,
            "/calls",
            None,
            &[("authorization", "Basic dXNlcjpwYXNz")],
        )
        .await;
    assert_eq!(basic.status, 401);
}

async fn the_bearer_scheme_is_optional_and_case_insensitive(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let key = app.org.owner_key.clone();
    for header in [
        format!("Bearer {key}"),
        format!("bearer {key}"),
        format!("BEARER  {key}"),
        key.clone(),
    ] {
        let response = app
            .anonymous()
            .send(Method::GET, "/calls", None, &[("authorization", &header)])
            .await;
        assert_eq!(response.status, 200, "{header}: {}", response.body);
    }
}

async fn revoked_keys_and_removed_members_lose_access(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let ttl_ms = i64::try_from(HttpConfig::default().key_cache_ms).unwrap();
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    app.as_key(&rep).get("/calls", 200).await;
    // Revoked where this server cannot see it (`switchyard key revoke`, another instance):
    // the key it checked a moment ago works until that check is `--key-cache-ms` old.
    assert!(
        app.store
            .revoke_api_key(&rep[..13], app.now())
            .await
            .unwrap()
    );
    app.clock.advance_millis(ttl_ms - 1);
    app.as_key(&rep).get("/calls", 200).await;
    app.clock.advance_millis(1);
    app.as_key(&rep).get("/calls", 401).await;
    app.owner().get("/calls", 200).await;

    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    app.as_key(&viewer).get("/calls", 200).await;
    app.store
        .remove_member(app.org.id, "viewer@acme.test")
        .await
        .unwrap();
    app.clock.advance_millis(ttl_ms);
    app.as_key(&viewer).get("/calls", 401).await;
}

async fn member_changes_through_the_api_apply_at_once(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let boss = app.key(&app.org, "boss@acme.test", Role::Owner).await;
    let member = |email: &str, role: &str| json!({"email": email, "role": role});
    app.owner()
        .patch("/member", member("boss@acme.test", "Owner"), 200)
        .await;
    app.as_key(&boss).get("/org/webhook-secret", 200).await;

    // Demoted: the next request already has the new role, the clock unmoved.
    app.owner()
        .patch("/member", member("boss@acme.test", "Viewer"), 200)
        .await;
    app.as_key(&boss).get("/org/webhook-secret", 403).await;
    app.as_key(&boss).get("/calls", 200).await;

    app.owner()
        .delete_json("/member", json!({"email": "boss@acme.test"}), 200)
        .await;
    app.as_key(&boss).get("/calls", 401).await;
}

async fn with_the_key_cache_off_a_revocation_applies_at_once(db: TestDatabase) {
    let app = TestApp::spawn_with(
        db,
        HttpConfig {
            key_cache_ms: 0,
            ..HttpConfig::default()
        },
    )
    .await;
    let rep = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    app.as_key(&rep).get("/calls", 200).await;
    app.store
        .revoke_api_key(&rep[..13], app.now())
        .await
        .unwrap();
    app.as_key(&rep).get("/calls", 401).await;
}
