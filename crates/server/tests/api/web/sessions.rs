//! Sign-in, the session cookie, expiry, sign-out, revoked keys and CSRF.

use super::a_call;
use super::client::Browser;
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use serde_json::json;
use switchyard::web::{SESSION_COOKIE, SESSION_SECS};
use switchyard_core::enums::Role;

crate::backend_tests!(
    sign_in_refuses_bad_keys_and_sets_a_safe_cookie,
    sessions_expire_and_end_on_sign_out_or_revocation,
    posts_without_the_sessions_csrf_token_are_refused,
);

async fn sign_in_refuses_bad_keys_and_sets_a_safe_cookie(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::new(&app);
    browser.get("/").await.assert_sign_in();
    // The vendored files are served without a session.
    for (file, kind) in [
        ("htmx-2.0.11.min.js", "javascript"),
        ("app.css", "css"),
        ("app.js", "javascript"),
    ] {
        let page = browser.get(&format!("/static/{file}")).await;
        assert_eq!(page.status, 200, "{file}");
        let content_type = page.headers["content-type"].to_str().unwrap();
        assert!(content_type.contains(kind), "{file}: {content_type}");
    }
    assert_eq!(browser.get("/static/../Cargo.toml").await.status, 404);

    let wrong = format!("{}x", &app.org.owner_key[..app.org.owner_key.len() - 1]);
    for key in [
        "",
        "nonsense",
        "sy_0123456789_abcdefghijklmnop",
        wrong.as_str(),
        "sy_ü",
    ] {
        let page = browser.sign_in(key).await;
        assert_eq!(page.status, 401, "key {key:?}: {}", page.body);
        assert!(page.body.contains("not valid"), "{}", page.body);
        assert!(browser.cookie(SESSION_COOKIE).is_none());
    }
    // The sign-in form's own token (login CSRF) is required.
    let page = browser
        .post(
            "/signin",
            &[("key", &app.org.owner_key), ("token", "forged")],
        )
        .await;
    assert_eq!(page.status, 403);

    let page = browser.sign_in(&app.org.owner_key).await;
    page.assert_redirect("/");
    let cookie = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    // Served over plain http without an https public URL: not `Secure` (see docs/WEB.md).
    assert!(!cookie.contains("Secure"), "{cookie}");
    let list = browser.get("/").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("owner@acme.test"));
    let csp = list.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(list.headers["cache-control"], "no-store");

    // `next` only ever leads within the site.
    let other = Browser::new(&app);
    let token = other.get("/signin?next=//evil.test/x").await.field("token");
    let page = other
        .post(
            "/signin",
            &[
                ("key", &app.org.owner_key),
                ("token", &token),
                ("next", "//evil.test/x"),
            ],
        )
        .await;
    page.assert_redirect("/");
}

async fn sessions_expire_and_end_on_sign_out_or_revocation(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    app.clock.advance_seconds(SESSION_SECS - 1);
    assert_eq!(browser.get("/").await.status, 200);
    app.clock.advance_seconds(1);
    browser.get("/").await.assert_sign_in();
    // htmx requests are told where to go instead of being redirected.
    let page = browser
        .send(
            reqwest::Method::GET,
            "/calls/rows",
            None,
            &[("hx-request", "true")],
        )
        .await;
    assert_eq!(page.status, 401);
    assert!(page.headers.get("hx-redirect").is_some());

    // Sign-out deletes the session: its cookie stops working, even if kept.
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let kept = browser.cookie(SESSION_COOKIE).unwrap();
    let csrf = browser.csrf().await;
    browser
        .post("/signout", &[("csrf", &csrf)])
        .await
        .assert_redirect("/signin");
    assert!(browser.cookie(SESSION_COOKIE).is_none());
    browser.set_cookie(SESSION_COOKIE, &kept);
    browser.get("/").await.assert_sign_in();

    // Revoking the key ends its sessions.
    let key = app
        .key(&app.org, "rep@acme.test", Role::Representative)
        .await;
    let browser = Browser::signed_in(&app, &key).await;
    assert_eq!(browser.get("/").await.status, 200);
    assert!(
        app.store
            .revoke_api_key(&key[..13], app.now())
            .await
            .unwrap()
    );
    browser.get("/").await.assert_sign_in();
}

async fn posts_without_the_sessions_csrf_token_are_refused(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let call = a_call(&app, "+14155550301").await;
    let path = format!("/calls/{}/notes", id_of(&call));
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let csrf = browser.csrf().await;
    // Another session's token is no better than none.
    let other = Browser::signed_in(&app, &app.org.owner_key).await;
    let foreign = other.csrf().await;
    assert_ne!(csrf, foreign);

    for fields in [
        vec![("content", "no token")],
        vec![("content", "wrong token"), ("csrf", "nope")],
        vec![("content", "foreign token"), ("csrf", foreign.as_str())],
    ] {
        let page = browser.post(&path, &fields).await;
        assert_eq!(page.status, 403, "{fields:?}: {}", page.body);
    }
    let page = browser.post("/signout", &[]).await;
    assert_eq!(page.status, 403);
    let stored = app
        .owner()
        .get(&format!("/calls/{}", id_of(&call)), 200)
        .await;
    assert!(
        stored.get("notes").is_none_or(|n| n == &json!([])),
        "{stored}"
    );

    // The form field and the htmx header both carry it.
    browser
        .post(&path, &[("content", "with the field"), ("csrf", &csrf)])
        .await
        .assert_redirect(&format!("/calls/{}#notes", id_of(&call)));
    let page = browser
        .send(
            reqwest::Method::POST,
            &path,
            Some("content=with+the+header".to_owned()),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    // A stale header (a page kept from another session) does not spoil a good field.
    let body = format!("content=stale+header&csrf={csrf}");
    let page = browser
        .send(
            reqwest::Method::POST,
            &path,
            Some(body),
            &[("x-csrf-token", &foreign)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let stored = app
        .owner()
        .get(&format!("/calls/{}", id_of(&call)), 200)
        .await;
    let notes: Vec<&str> = stored["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["content"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["with the field", "with the header", "stale header"]);
}
