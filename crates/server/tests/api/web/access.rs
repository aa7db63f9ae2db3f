//! Roles and organizations on the pages: what a Viewer gets, and another organization's
//! ids in every page route.

use super::a_call;
use super::client::Browser;
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use crate::receiver::Receiver;
use serde_json::json;
use switchyard_core::enums::Role;

crate::backend_tests!(
    viewers_get_no_note_editor_and_no_dial,
    another_organizations_pages_are_404,
);

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
/// `{live}` A's call in progress, `{note}` a note on `{call}`, `{campaign}` A's campaign,
/// `{delivery}` a delivered webhook of A's, `{use_case}` and `{agent}` A's use case and
/// (default) agent, `{number}` A's number, `{key}` the prefix of A's Owner's key.
/// (route, method, path, form fields)
type CrossOrgRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CROSS_ORG: &[CrossOrgRow] = &[
    ("/calls/{id}", "GET", "/calls/{call}", &[]),
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
    (
        "/webhooks/{id}/replay",
        "POST",
        "/webhooks/{delivery}/replay",
        &[],
    ),
    (
        "/settings/use-cases/{id}",
        "GET",
        "/settings/use-cases/{use_case}",
        &[],
    ),
    (
        "/settings/use-cases/{id}",
        "POST",
        "/settings/use-cases/{use_case}",
        &[("name", "Renamed")],
    ),
    (
        "/settings/use-cases/{id}",
        "POST",
        "/settings/use-cases/{use_case}",
        &[("name", "Renamed"), ("add", "hooks")],
    ),
    (
        "/settings/use-cases/{id}/delete",
        "POST",
        "/settings/use-cases/{use_case}/delete",
        &[],
    ),
    (
        "/settings/agents/{id}",
        "GET",
        "/settings/agents/{agent}",
        &[],
    ),
    (
        "/settings/agents/{id}",
        "POST",
        "/settings/agents/{agent}",
        &[("name", "Renamed"), ("language.english", "on")],
    ),
    (
        "/settings/agents/{id}/delete",
        "POST",
        "/settings/agents/{agent}/delete",
        &[],
    ),
    (
        "/settings/numbers/{id}/title",
        "POST",
        "/settings/numbers/{number}/title",
        &[("title", "Taken")],
    ),
    (
        "/settings/numbers/{id}/routes",
        "POST",
        "/settings/numbers/{number}/routes",
        &[("use_case_id", "")],
    ),
    (
        "/settings/numbers/{id}/routes",
        "POST",
        "/settings/numbers/{number}/routes",
        &[("agent_routes[0].probability", "x")],
    ),
    (
        "/settings/numbers/{id}/release",
        "POST",
        "/settings/numbers/{number}/release",
        &[("confirm", "yes")],
    ),
    (
        "/settings/keys/{prefix}/revoke",
        "POST",
        "/settings/keys/{key}/revoke",
        &[],
    ),
];

#[test]
fn every_page_route_with_an_id_is_in_the_cross_org_matrix() {
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/mod.rs"),
    )
    .unwrap();
    // rustfmt puts a long route's arguments on lines of their own.
    let source: String = source.split_whitespace().collect();
    let routes: Vec<&str> = source
        .split(".route(")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('"')?.split('"').next())
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
    let receiver = Receiver::start().await;
    let hooked = app
        .number_for(
            &app.org,
            json!({"name": "Ours hooked", "hooks": [{"url": receiver.url}]}),
        )
        .await;
    let canceled = id_of(&app.dial(&hooked, "+14155550398", json!({})).await);
    app.owner()
        .post_empty(&format!("/calls/{canceled}/cancel"), 200)
        .await;
    app.run_engine().await;
    let ledger = app
        .owner()
        .get(&format!("/webhooks/deliveries?call_id={canceled}"), 200)
        .await;
    let delivery = id_of(&ledger["data"][0]);
    let use_case = fixture.use_case_id.to_string();
    let agent = fixture.agent_id.to_string();
    let number = fixture.number_id.to_string();
    let numbers_before = app.owner().get("/numbers", 200).await;
    let before = app.owner().get("/calls", 200).await;
    let settings_before = (
        app.owner().get("/use-cases", 200).await,
        app.owner().get("/agents", 200).await,
    );
    let ledger_before = app.owner().get("/webhooks/deliveries", 200).await;

    let intruder = app.new_org("Intruder Inc", "eve@intruder.test").await;
    let viewer = app.key(&intruder, "val@intruder.test", Role::Viewer).await;
    for key in [&intruder.owner_key, &viewer] {
        let browser = Browser::signed_in(&app, key).await;
        let csrf = browser.csrf().await;
        let unknown = "0123456789abcdef01234567";
        for (route, method, template, fields) in CROSS_ORG {
            let mut answers = Vec::new();
            let ours = [
                id.as_str(),
                live.as_str(),
                note.as_str(),
                campaign.as_str(),
                delivery.as_str(),
                use_case.as_str(),
                agent.as_str(),
                number.as_str(),
                &app.org.owner_key[..13],
            ];
            let unknowns = [
                unknown,
                unknown,
                unknown,
                unknown,
                unknown,
                unknown,
                unknown,
                unknown,
                "sy_0000000000",
            ];
            for ids in [ours, unknowns] {
                let path = template
                    .replace("{call}", ids[0])
                    .replace("{live}", ids[1])
                    .replace("{note}", ids[2])
                    .replace("{campaign}", ids[3])
                    .replace("{delivery}", ids[4])
                    .replace("{use_case}", ids[5])
                    .replace("{agent}", ids[6])
                    .replace("{number}", ids[7])
                    .replace("{key}", ids[8]);
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
                    "Carrier sales",
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
            "/settings/use-cases/x",
            "/settings/agents/x",
        ] {
            assert_eq!(browser.get(path).await.status, 404, "{path}");
        }
        let list = browser.get(&format!("/?campaigns={campaign}")).await;
        assert!(list.body.contains("0 calls"), "{}", list.body);
        assert!(!browser.get("/").await.body.contains(&id));
        let webhooks = browser.get(&format!("/webhooks?call_id={canceled}")).await;
        assert!(
            webhooks.body.contains("No deliveries match."),
            "{}",
            webhooks.body
        );
        let all = browser.get("/webhooks").await.body;
        assert!(!all.contains(&delivery) && !all.contains(&receiver.url));
        // The settings pages list only the intruder's own numbers and members.
        let e164 = numbers_before[0]["number"].as_str().unwrap();
        let numbers = browser.get("/settings/numbers").await;
        assert_eq!(numbers.status, 200);
        assert!(!numbers.body.contains(e164) && !numbers.body.contains(&number));
        let members = browser.get("/settings/members").await.body;
        assert!(!members.contains("owner@acme.test"));
    }
    // A is unchanged.
    assert_eq!(app.owner().get("/calls", 200).await, before);
    let settings_after = (
        app.owner().get("/use-cases", 200).await,
        app.owner().get("/agents", 200).await,
    );
    assert_eq!(settings_after, settings_before);
    assert_eq!(app.owner().get("/numbers", 200).await, numbers_before);
    app.run_engine().await;
    assert_eq!(receiver.received().len(), 1, "nothing was replayed");
    assert_eq!(
        app.owner().get("/webhooks/deliveries", 200).await,
        ledger_before
    );
}
