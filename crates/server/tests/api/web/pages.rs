//! What the pages do, seen through the API: review actions, list filters, dialing,
//! canceling and campaigns.

use super::a_call;
use super::client::Browser;
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use serde_json::json;

crate::backend_tests!(
    page_actions_show_in_the_api,
    the_list_filters_like_the_api,
    dialing_and_canceling_from_the_pages,
    live_calls_refresh_and_stop_from_the_page,
);

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
    // The rows follow the calls' changes on the stream (web/live.rs).
    assert!(all.body.contains("data-events=\"/events?since="));
    // Nobody has opened them: all unviewed.
    assert_eq!(all.body.matches("class=\"unviewed\"").count(), 3);

    let done = browser.get("/?statuses=Completed").await;
    assert!(done.body.contains("1 call "), "{}", done.body);
    assert!(done.body.contains("+14155550399"));
    assert!(done.body.contains(
        "href=\"/queue/next?statuses=Completed\" class=\"button\" id=\"next-unreviewed\""
    ));
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
    // The form again, as it was sent, with the API's message for the field.
    assert!(bad.body.contains("phone_number: "), "{}", bad.body);
    assert!(bad.body.contains("value=\"12\""), "{}", bad.body);

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

async fn live_calls_refresh_and_stop_from_the_page(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let call = a_call(&app, "+14155550320").await;
    let id = id_of(&call);
    app.run_engine().await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    // Not final: the status panel follows the call's stream and the page offers Stop.
    let page = browser.get(&format!("/calls/{id}")).await;
    assert!(page.body.contains("Initiated"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("data-events=\"/events?call={id}&#38;since="))
    );
    assert!(page.body.contains("Stop call") && !page.body.contains("Cancel call"));

    let csrf = page.field("csrf");
    browser
        .post(&format!("/calls/{id}/stop"), &[("csrf", &csrf)])
        .await
        .assert_redirect(&format!("/calls/{id}"));
    let stopped = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(stopped["status"], "Canceled");
    assert_eq!(stopped["end_reason"], "stopped");
    // Once final, the page follows nothing.
    let page = browser.get(&format!("/calls/{id}")).await;
    assert!(!page.body.contains("data-events"), "{}", page.body);
    let page = browser
        .post(&format!("/calls/{id}/stop"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
}
