//! The review queue (`/queue/next`) and the call page's steps through the list (`rel=prev`,
//! `rel=next`, the filters carried along, the shortcuts' dialog).

use super::client::Browser;
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use serde_json::{Value, json};

crate::backend_tests!(
    the_queue_opens_the_oldest_unviewed_call_under_the_filters,
    the_call_page_steps_through_the_list_under_its_filters,
);

/// Three queued calls a minute apart, then a Completed one: oldest first.
async fn four_calls(app: &TestApp) -> Vec<String> {
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let mut calls: Vec<Value> = Vec::new();
    for phone in ["+14155550401", "+14155550402", "+14155550403"] {
        calls.push(app.dial(&fixture, phone, json!({})).await);
        // Off the whole second: the stored `created` keeps milliseconds the Call object
        // does not show, and stepping must page from the stored one.
        app.clock.advance_millis(60_250);
    }
    let created = json!(app.now());
    let done = app
        .seed_call(&calls[0], "Completed", |c| {
            c["metadata"]["to"] = json!("+14155550404");
            c["created"] = created;
        })
        .await;
    calls.push(done);
    calls.iter().map(id_of).collect()
}

async fn the_queue_opens_the_oldest_unviewed_call_under_the_filters(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let ids = four_calls(&app).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;

    // Oldest first; opening it (what following the redirect does) moves the queue on.
    for id in &ids[..3] {
        browser
            .get("/queue/next")
            .await
            .assert_redirect(&format!("/calls/{id}"));
        assert_eq!(browser.get(&format!("/calls/{id}")).await.status, 200);
    }
    browser
        .get("/queue/next")
        .await
        .assert_redirect(&format!("/calls/{}", ids[3]));

    // Under filters: only matching calls, and the call page keeps the filters.
    let completed = "/queue/next?statuses=Completed";
    let to = format!("/calls/{}?statuses=Completed", ids[3]);
    browser.get(completed).await.assert_redirect(&to);
    let page = browser.get(&to).await;
    assert!(
        page.body.contains("href=\"/?statuses=Completed\""),
        "{}",
        page.body
    );
    browser
        .get(completed)
        .await
        .assert_redirect("/?statuses=Completed&queue=done");
    let done = browser.get("/?statuses=Completed&queue=done").await;
    assert!(
        done.body
            .contains("Nothing left to review under these filters.")
    );
    assert!(done.body.contains("id=\"queue-done\""));
    browser
        .get("/queue/next")
        .await
        .assert_redirect("/?queue=done");
    assert!(!browser.get("/").await.body.contains("queue-done"));

    // Another member's views are theirs: a Viewer starts from the oldest.
    let viewer_key = app
        .key(
            &app.org,
            "viewer@acme.test",
            switchyard_core::enums::Role::Viewer,
        )
        .await;
    let viewer = Browser::signed_in(&app, &viewer_key).await;
    viewer
        .get("/queue/next?search=0402")
        .await
        .assert_redirect(&format!("/calls/{}?search=0402", ids[1]));
    viewer
        .get("/queue/next")
        .await
        .assert_redirect(&format!("/calls/{}", ids[0]));
    // Another organization's member never gets these calls.
    let other = app.new_org("Other Freight", "owner@other.test").await;
    let stranger = Browser::signed_in(&app, &other.owner_key).await;
    stranger
        .get("/queue/next")
        .await
        .assert_redirect("/?queue=done");

    // The API's own errors for bad filters; no session: sign in first.
    assert_eq!(browser.get("/queue/next?from=yesterday").await.status, 422);
    Browser::new(&app).get("/queue/next").await.assert_sign_in();

    // The list offers the queue under its own filters.
    let list = browser.get("/?statuses=Completed&search=0404").await;
    assert!(list.body.contains(
        "href=\"/queue/next?search=0404&#38;statuses=Completed\" class=\"button\" id=\"next-unreviewed\""
    ));
}

async fn the_call_page_steps_through_the_list_under_its_filters(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let ids = four_calls(&app).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let prev = |id: &str, query: &str| {
        format!("href=\"/calls/{id}{query}\" rel=\"prev\" id=\"prev-call\"")
    };
    let next = |id: &str, query: &str| {
        format!("href=\"/calls/{id}{query}\" rel=\"next\" id=\"next-call\"")
    };

    // Newest first, as the list: `next` is the older call.
    let middle = browser.get(&format!("/calls/{}", ids[1])).await;
    assert!(middle.body.contains(&prev(&ids[2], "")), "{}", middle.body);
    assert!(middle.body.contains(&next(&ids[0], "")));
    let newest = browser.get(&format!("/calls/{}", ids[3])).await;
    assert!(!newest.body.contains("rel=\"prev\""));
    assert!(newest.body.contains(&next(&ids[2], "")));
    let oldest = browser.get(&format!("/calls/{}", ids[0])).await;
    assert!(!oldest.body.contains("rel=\"next\""));

    // Under filters: the neighbours are those of the filtered list, links keep the filters.
    let queued = "?statuses=Queued";
    let page = browser.get(&format!("/calls/{}{queued}", ids[2])).await;
    assert!(!page.body.contains("rel=\"prev\""), "{}", page.body);
    assert!(page.body.contains(&next(&ids[1], queued)));
    // The list's rows link to the call page with the list's filters.
    let list = browser.get(&format!("/{queued}")).await;
    assert!(
        list.body
            .contains(&format!("href=\"/calls/{}{queued}\"", ids[2]))
    );

    // A form on the page comes back to the page with its filters.
    let csrf = page.field("csrf");
    assert!(
        page.body
            .contains(&format!("action=\"/calls/{}/ratings{queued}\"", ids[2]))
    );
    browser
        .post(
            &format!("/calls/{}/ratings{queued}", ids[2]),
            &[("emoji", "✅"), ("operation", "add"), ("csrf", &csrf)],
        )
        .await
        .assert_redirect(&format!("/calls/{}{queued}#ratings", ids[2]));

    // The shortcuts: a hint on the page and the dialog that lists them.
    assert!(page.body.contains("id=\"shortcuts-hint\""));
    assert!(
        page.body
            .contains("<dialog id=\"shortcuts\" aria-labelledby=\"shortcuts-h\">")
    );
    assert!(page.body.contains("id=\"shortcuts-close\""));
    assert!(
        page.body
            .contains("<script src=\"/static/keys.js\" defer></script>")
    );
}
