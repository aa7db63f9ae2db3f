//! The review app over HTTP: sign-in, sessions (expiry, sign-out, revoked keys), CSRF,
//! roles and organizations on the pages, and page actions visible through the API.

use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use crate::web_client::Browser;
use serde_json::{Value, json};
use switchyard::web::{SESSION_COOKIE, SESSION_SECS};
use switchyard_core::enums::Role;

crate::backend_tests!(
    sign_in_refuses_bad_keys_and_sets_a_safe_cookie,
    sessions_expire_and_end_on_sign_out_or_revocation,
    posts_without_the_sessions_csrf_token_are_refused,
    viewers_get_no_note_editor_and_no_dial,
    another_organizations_pages_are_404,
    page_actions_show_in_the_api,
    the_list_filters_like_the_api,
    dialing_and_canceling_from_the_pages,
);

/// A queued call of the first organization, dialed through the API.
async fn a_call(app: &TestApp, phone: &str) -> Value {
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    app.dial(&fixture, phone, json!({"tags": ["web"]})).await
}

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
    assert_eq!(notes, ["with the field", "with the header"]);
}

async fn viewers_get_no_note_editor_and_no_dial(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let call = a_call(&app, "+14155550302").await;
    let id = id_of(&call);
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let browser = Browser::signed_in(&app, &viewer).await;

    let page = browser.get(&format!("/calls/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("Add note"),
        "a Viewer sees the note editor"
    );
    assert!(!page.body.contains("href=\"/dial\""), "a Viewer sees Dial");
    assert!(!page.body.contains("Cancel call"), "a Viewer sees Cancel");
    assert!(page.body.contains("data-emoji=\"✅\""), "a Viewer may rate");
    let csrf = page.field("csrf");

    assert_eq!(browser.get("/dial").await.status, 403);
    let refused = [
        (format!("/calls/{id}/notes"), vec![("content", "sneaky")]),
        (format!("/calls/{id}/cancel"), vec![]),
        (
            "/dial".to_owned(),
            vec![("number_id", ""), ("phone_number", "+14155550303")],
        ),
    ];
    for (path, mut fields) in refused {
        fields.push(("csrf", &csrf));
        let page = browser.post(&path, &fields).await;
        assert_eq!(page.status, 403, "{path}: {}", page.body);
    }

    // What a Viewer may do: view (on opening) and rate.
    browser
        .post(
            &format!("/calls/{id}/ratings"),
            &[("emoji", "🚨"), ("operation", "add"), ("csrf", &csrf)],
        )
        .await
        .assert_redirect(&format!("/calls/{id}#ratings"));
    let stored = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(stored["viewed_by"], json!(["viewer@acme.test"]));
    assert_eq!(stored["ratings"][0]["email"], "viewer@acme.test");
    assert_eq!(stored["status"], "Queued");
    assert!(stored.get("notes").is_none_or(|n| n == &json!([])));
}

/// Every page route that takes an id, with a request that puts one of A's ids into it:
/// (route as in `src/web/mod.rs`, method, path, form fields). `{call}` is A's queued call,
/// `{live}` A's call in progress, `{note}` a note on `{call}`, `{campaign}` A's campaign.
/// (route, method, path, form fields)
type CrossOrgRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CROSS_ORG: &[CrossOrgRow] = &[
    ("/calls/{id}", "GET", "/calls/{call}", &[]),
    ("/calls/{id}/panel", "GET", "/calls/{live}/panel", &[]),
    (
        "/calls/{id}/notes",
        "POST",
        "/calls/{call}/notes",
        &[("content", "hi")],
    ),
    (
        "/calls/{id}/notes/{note_id}",
        "POST",
        "/calls/{call}/notes/{note}",
        &[("action", "delete")],
    ),
    (
        "/calls/{id}/notes/{note_id}",
        "POST",
        "/calls/{call}/notes/{note}",
        &[("action", "flag")],
    ),
    (
        "/calls/{id}/ratings",
        "POST",
        "/calls/{call}/ratings",
        &[("emoji", "👎"), ("operation", "add")],
    ),
    ("/calls/{id}/stop", "POST", "/calls/{live}/stop", &[]),
    ("/calls/{id}/cancel", "POST", "/calls/{call}/cancel", &[]),
    ("/campaigns/{id}", "GET", "/campaigns/{campaign}", &[]),
    (
        "/campaigns/{id}/rows",
        "GET",
        "/campaigns/{campaign}/rows",
        &[],
    ),
];

#[test]
fn every_page_route_with_an_id_is_in_the_cross_org_matrix() {
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/mod.rs"),
    )
    .unwrap();
    let routes: Vec<&str> = source
        .split(".route(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(routes.contains(&"/calls/{id}"), "the scan found {routes:?}");
    // `/static/{file}` names a file, not an object of anyone's.
    for route in routes
        .iter()
        .filter(|r| r.contains('{') && !r.starts_with("/static/"))
    {
        assert!(
            CROSS_ORG.iter().any(|(r, ..)| r == route),
            "{route} takes an id: add it to CROSS_ORG"
        );
    }
    for (route, ..) in CROSS_ORG {
        assert!(
            routes.contains(route),
            "CROSS_ORG names {route}, which is gone"
        );
    }
}

async fn another_organizations_pages_are_404(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = app.dial(&fixture, "+14155550304", json!({})).await;
    let id = id_of(&call);
    let with_note = app
        .owner()
        .post(
            &format!("/calls/{id}/notes"),
            json!({"content": "ours"}),
            200,
        )
        .await;
    let note = id_of(&with_note["notes"][0]);
    let live = id_of(&app.seed_call(&call, "In progress", |_| {}).await);
    let campaign = app
        .owner()
        .post(
            "/dial/scheduled",
            json!({"number_id": fixture.number_id.to_string(), "campaign_name": "Ours",
                   "calls": [{"phone_number": "+14155550399"}]}),
            200,
        )
        .await["campaign_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.owner().get("/calls", 200).await;

    let intruder = app.new_org("Intruder Inc", "eve@intruder.test").await;
    let viewer = app.key(&intruder, "val@intruder.test", Role::Viewer).await;
    for key in [&intruder.owner_key, &viewer] {
        let browser = Browser::signed_in(&app, key).await;
        let csrf = browser.csrf().await;
        let unknown = "0123456789abcdef01234567";
        for (route, method, template, fields) in CROSS_ORG {
            let mut answers = Vec::new();
            let ours = [id.as_str(), live.as_str(), note.as_str(), campaign.as_str()];
            for ids in [ours, [unknown; 4]] {
                let path = template
                    .replace("{call}", ids[0])
                    .replace("{live}", ids[1])
                    .replace("{note}", ids[2])
                    .replace("{campaign}", ids[3]);
                let page = if *method == "GET" {
                    browser.get(&path).await
                } else {
                    let mut fields = fields.to_vec();
                    fields.push(("csrf", &csrf));
                    browser.post(&path, &fields).await
                };
                for secret in [
                    "+14155550304",
                    "+14155550399",
                    "ours",
                    "Ours",
                    "owner@acme.test",
                ] {
                    assert!(!page.body.contains(secret), "{path} leaks {secret}");
                }
                answers.push((page.status, page.body));
            }
            // Exactly what an unknown id gets: a 404 (a Viewer's writes stop earlier, at 403).
            assert_eq!(
                answers[0], answers[1],
                "{route}: A's id and an unknown id differ"
            );
            let allowed: &[u16] = if key == &viewer { &[403, 404] } else { &[404] };
            assert!(allowed.contains(&answers[0].0), "{route}: {}", answers[0].0);
        }
        for path in [
            "/calls/0123456789abcdef01234567",
            "/calls/not-an-id",
            "/campaigns/x",
        ] {
            assert_eq!(browser.get(path).await.status, 404, "{path}");
        }
        let list = browser.get(&format!("/?campaigns={campaign}")).await;
        assert!(list.body.contains("0 calls"), "{}", list.body);
        assert!(!browser.get("/").await.body.contains(&id));
    }
    // A is unchanged.
    assert_eq!(app.owner().get("/calls", 200).await, before);
}

async fn page_actions_show_in_the_api(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let call = a_call(&app, "+14155550305").await;
    let id = id_of(&call);
    let api_path = format!("/calls/{id}");
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    let page = browser.get(&format!("/calls/{id}")).await;
    assert_eq!(page.status, 200);
    let csrf = page.field("csrf");
    let stored = app.owner().get(&api_path, 200).await;
    assert_eq!(stored["viewed_by"], json!(["owner@acme.test"]));

    let back = format!("/calls/{id}#notes");
    browser
        .post(
            &format!("/calls/{id}/notes"),
            &[("content", "Call back at 3pm"), ("csrf", &csrf)],
        )
        .await
        .assert_redirect(&back);
    let stored = app.owner().get(&api_path, 200).await;
    let note = id_of(&stored["notes"][0]);
    assert_eq!(stored["notes"][0]["user_id"], "owner@acme.test");
    assert_eq!(stored["notes"][0]["flagged"], false);

    let note_path = format!("/calls/{id}/notes/{note}");
    app.clock.advance_seconds(60);
    for fields in [
        vec![("action", "save"), ("content", "Call back at 4pm")],
        vec![("action", "flag")],
    ] {
        let mut fields = fields;
        fields.push(("csrf", &csrf));
        browser
            .post(&note_path, &fields)
            .await
            .assert_redirect(&back);
    }
    let stored = app.owner().get(&api_path, 200).await;
    assert_eq!(stored["notes"][0]["content"], "Call back at 4pm");
    assert_eq!(stored["notes"][0]["flagged"], true);
    assert_eq!(stored["notes"][0]["updated_at"], "2024-01-01T12:01:00Z");
    let page = browser.get(&format!("/calls/{id}")).await;
    assert!(page.body.contains("Call back at 4pm") && page.body.contains("flagged"));

    // The API's validation, word for word.
    let page = browser
        .post(
            &note_path,
            &[("action", "save"), ("content", "   "), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("not be blank"), "{}", page.body);

    let rate = |operation: &'static str| {
        let csrf = csrf.clone();
        let browser = &browser;
        let path = format!("/calls/{id}/ratings");
        async move {
            browser
                .post(
                    &path,
                    &[("emoji", "✅"), ("operation", operation), ("csrf", &csrf)],
                )
                .await
        }
    };
    rate("add")
        .await
        .assert_redirect(&format!("/calls/{id}#ratings"));
    let stored = app.owner().get(&api_path, 200).await;
    assert_eq!(stored["ratings"][0]["emoji"], "✅");
    assert_eq!(stored["ratings"][0]["email"], "owner@acme.test");
    let page = browser.get(&format!("/calls/{id}")).await;
    assert!(
        page.body
            .contains("aria-pressed=\"true\" title=\"Good call\"")
    );
    rate("remove").await;
    assert_eq!(app.owner().get(&api_path, 200).await["ratings"], json!([]));

    browser
        .post(&note_path, &[("action", "delete"), ("csrf", &csrf)])
        .await
        .assert_redirect(&back);
    let stored = app.owner().get(&api_path, 200).await;
    assert!(stored.get("notes").is_none_or(|n| n == &json!([])));
    let page = browser
        .post(&note_path, &[("action", "delete"), ("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 404);
}

async fn the_list_filters_like_the_api(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let queued = a_call(&app, "+14155550306").await;
    let other = a_call(&app, "+14155550307").await;
    app.seed_call(&other, "Completed", |c| {
        c["metadata"]["to"] = json!("+14155550399")
    })
    .await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    let all = browser.get("/").await;
    assert!(all.body.contains("3 calls"), "{}", all.body);
    // Pending calls on the page: the rows poll.
    assert!(all.body.contains("hx-trigger=\"every 2s\""));
    // Nobody has opened them: all unviewed.
    assert_eq!(all.body.matches("class=\"unviewed\"").count(), 3);

    let done = browser.get("/?statuses=Completed").await;
    assert!(done.body.contains("1 call "), "{}", done.body);
    assert!(done.body.contains("+14155550399"));
    assert!(!done.body.contains("hx-trigger=\"every 2s\""));
    let searched = browser.get("/?search=0306&type=Outbound&tags=web").await;
    assert!(searched.body.contains("1 call "), "{}", searched.body);
    assert!(searched.body.contains(&id_of(&queued)));

    // The API's own errors for bad filters.
    let bad = browser.get("/?from=yesterday").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("from"), "{}", bad.body);

    // Opening a call clears its mark for that member only.
    browser.get(&format!("/calls/{}", id_of(&queued))).await;
    let after = browser.get("/").await;
    assert_eq!(after.body.matches("class=\"unviewed\"").count(), 2);
    let rows = browser.get("/calls/rows?statuses=Queued").await;
    assert!(
        rows.body.trim_start().starts_with("<tbody"),
        "{}",
        rows.body
    );
}

async fn dialing_and_canceling_from_the_pages(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let page = browser.get("/dial").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&fixture.number));
    let csrf = page.field("csrf");
    let number = fixture.number_id.to_string();

    let bad = browser
        .post(
            "/dial",
            &[
                ("number_id", &number),
                ("phone_number", "12"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("phone_number"), "{}", bad.body);

    let page = browser
        .post(
            "/dial",
            &[
                ("number_id", &number),
                ("phone_number", "+14155550308"),
                ("params", "load_id=LD-9\n"),
                ("scheduled_for", "2024-01-02T09:30"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.unwrap();
    let id = location.trim_start_matches("/calls/");
    let call = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(call["status"], "Scheduled");
    assert_eq!(call["scheduled_for"], "2024-01-02T09:30:00Z");
    assert_eq!(call["params"], json!({"load_id": "LD-9"}));

    let page = browser.get(&location).await;
    assert!(page.body.contains("Cancel call"));
    browser
        .post(&format!("{location}/cancel"), &[("csrf", &csrf)])
        .await
        .assert_redirect(&location);
    let call = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(call["status"], "Canceled");
    // A second cancel is the API's 409.
    let page = browser
        .post(&format!("{location}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 409);

    // A campaign: preview (nothing created), then create.
    let csv = "phone_number,load_id\n+14155550310,LD-1\n+14155550311,LD-2\n";
    let fields = [
        ("number_id", number.as_str()),
        ("campaign_name", "Web"),
        ("csv", csv),
        ("csrf", csrf.as_str()),
    ];
    let preview = browser.post("/dial/campaign", &fields).await;
    assert_eq!(preview.status, 200);
    assert!(preview.body.contains("2 calls ready"), "{}", preview.body);
    assert!(preview.body.contains("LD-2"));
    assert_eq!(app.owner().get("/calls", 200).await["count"], 1);
    let broken = browser
        .post(
            "/dial/campaign",
            &[
                ("number_id", &number),
                ("csv", "phone_number\n+1\n"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert!(
        broken.body.contains("calls[0].phone_number"),
        "{}",
        broken.body
    );

    let mut confirm = fields.to_vec();
    confirm.push(("confirm", "yes"));
    let page = browser.post("/dial/campaign", &confirm).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let progress = browser.get(page.location.as_deref().unwrap()).await;
    assert_eq!(progress.status, 200);
    assert!(
        progress.body.contains("0</strong> of 2 calls finished"),
        "{}",
        progress.body
    );
    assert_eq!(app.owner().get("/calls", 200).await["count"], 3);
}
