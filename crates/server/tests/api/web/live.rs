//! `/events`: the organization's call changes as Server-Sent Events, seen by a client that
//! reads the stream while the engine (stepped with the test clock) takes a call from its
//! dial to its end; the pages that follow the stream.

use super::a_call;
use super::client::Browser;
use super::stream::{Event, Stream, open, run_to_the_end, steps};
use crate::common::TestDatabase;
use crate::harness::{TestApp, id_of};
use serde_json::{Value, json};
use switchyard_core::enums::Role;

crate::backend_tests!(
    a_call_is_streamed_from_its_dial_to_its_end,
    another_organizations_calls_never_reach_the_stream,
    a_reconnecting_stream_gets_what_it_missed,
    the_stream_needs_a_session_and_an_own_call,
    pages_name_their_stream_instead_of_polling,
    a_stream_ends_once_its_key_is_revoked,
);

async fn a_call_is_streamed_from_its_dial_to_its_end(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let mut all = Stream::open(&app, &browser, "/events", None).await;
    let call = a_call(&app, "+14155550123").await;
    let id = id_of(&call);
    let mut one = Stream::open(&app, &browser, &format!("/events?call={id}"), None).await;
    run_to_the_end(&app, &app.org.owner_key, &id).await;

    let events = all.until_final(&id).await;
    assert_eq!(
        steps(&events),
        ["Queued", "Initiated", "In progress", "Completed"]
    );
    let last = events.last().unwrap();
    assert_eq!(
        last.data,
        json!({"call_id": id, "status": "Completed", "final": true, "end_reason": "completed"})
    );
    // The transcript's lines, as stored, came before the final status.
    let lines: Vec<&Event> = events.iter().filter(|e| e.name == "line").collect();
    let transcript = app
        .owner()
        .get(&format!("/calls/{id}/transcript"), 200)
        .await;
    let spoken: Vec<&Value> = transcript["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] != "system")
        .collect();
    assert!(!lines.is_empty());
    assert_eq!(lines.len(), spoken.len());
    for (line, message) in lines.iter().zip(&spoken) {
        assert_eq!(line.data["call_id"], id);
        assert_eq!(line.data["message_id"], message["id"]);
        assert_eq!(line.data["role"], message["role"]);
        assert_eq!(line.data["content"], message["content"]);
    }
    // Every event has an id to resume from, and ids differ.
    let ids: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e.id.as_deref().unwrap()).collect();
    assert_eq!(ids.len(), events.len());

    // The call's own stream saw the changes after it opened: the same from Initiated on.
    let own = one.until_final(&id).await;
    assert_eq!(steps(&own), ["Initiated", "In progress", "Completed"]);
    assert_eq!(own.iter().filter(|e| e.name == "line").count(), lines.len());
}

async fn another_organizations_calls_never_reach_the_stream(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let other = app.new_org("Other Freight", "owner@other.test").await;
    let ours = Browser::signed_in(&app, &app.org.owner_key).await;
    let theirs = Browser::signed_in(&app, &other.owner_key).await;
    let mut our_stream = Stream::open(&app, &ours, "/events", None).await;
    let mut their_stream = Stream::open(&app, &theirs, "/events", None).await;

    let fixture = app.number_with_use_case(&other, "Their sales").await;
    let their_call = app
        .as_key(&other.owner_key)
        .post(
            "/dial/outbound",
            json!({"number_id": fixture.number_id.to_string(), "phone_number": "+14155550123"}),
            200,
        )
        .await;
    let their_id = id_of(&their_call);
    let our_id = id_of(&a_call(&app, "+14155550124").await);
    run_to_the_end(&app, &other.owner_key, &their_id).await;
    run_to_the_end(&app, &app.org.owner_key, &our_id).await;

    // Their call ended first: had it leaked, it would be on our stream before ours ended.
    let seen = our_stream.until_final(&our_id).await;
    assert!(seen.iter().all(|e| e.data["call_id"] == our_id), "{seen:?}");
    let seen = their_stream.until_final(&their_id).await;
    assert!(seen.iter().all(|e| e.data["call_id"] == their_id));

    // Their call's stream is not ours to open.
    let refused = open(&app, &ours, &format!("/events?call={their_id}"), None).await;
    assert_eq!(refused.status(), 404);
}

async fn a_reconnecting_stream_gets_what_it_missed(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let mut stream = Stream::open(&app, &browser, "/events", None).await;
    let id = id_of(&a_call(&app, "+14155550123").await);
    let queued = stream.next().await;
    assert_eq!(queued.data["status"], "Queued");
    drop(stream);

    // While nobody listened, the call went on to its end.
    run_to_the_end(&app, &app.org.owner_key, &id).await;
    let mut resumed = Stream::open(&app, &browser, "/events", queued.id.as_deref()).await;
    let missed = resumed.until_final(&id).await;
    assert_eq!(steps(&missed), ["Initiated", "In progress", "Completed"]);

    // An id the server does not know (another process, a restart): read everything again.
    let mut lost = Stream::open(&app, &browser, "/events", Some("1-2")).await;
    assert_eq!(lost.next().await.name, "resync");
    // A page's position works like an id.
    let page = browser.get("/").await;
    let since = page
        .body
        .split("/events?since=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let next = id_of(&a_call(&app, "+14155550125").await);
    let mut from_page = Stream::open(&app, &browser, &format!("/events?since={since}"), None).await;
    let first = from_page.next().await;
    assert_eq!(
        (first.name.as_str(), &first.data["call_id"]),
        ("status", &json!(next))
    );
}

async fn the_stream_needs_a_session_and_an_own_call(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let anonymous = Browser::new(&app);
    assert_eq!(open(&app, &anonymous, "/events", None).await.status(), 401);
    let id = id_of(&a_call(&app, "+14155550123").await);
    let path = format!("/events?call={id}");
    assert_eq!(open(&app, &anonymous, &path, None).await.status(), 401);

    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let unknown = "/events?call=0123456789abcdef01234567";
    assert_eq!(open(&app, &browser, unknown, None).await.status(), 404);
    assert_eq!(
        open(&app, &browser, "/events?call=nope", None)
            .await
            .status(),
        404
    );
    assert_eq!(open(&app, &browser, &path, None).await.status(), 200);
    // A Viewer follows calls too.
    let viewer_key = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let viewer = Browser::signed_in(&app, &viewer_key).await;
    assert_eq!(open(&app, &viewer, &path, None).await.status(), 200);
}

async fn pages_name_their_stream_instead_of_polling(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let id = id_of(&a_call(&app, "+14155550123").await);

    let list = browser.get("/").await;
    assert!(
        list.body.contains("data-events=\"/events?since="),
        "{}",
        list.body
    );
    assert!(list.body.contains("data-rows=\"/calls/rows?page=1\""));
    assert!(!list.body.contains("hx-trigger"));
    let page = browser.get(&format!("/calls/{id}")).await;
    assert!(
        page.body
            .contains(&format!("data-events=\"/events?call={id}&#38;since=")),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"transcript\""));
    assert!(!page.body.contains("hx-trigger"));
    // The scripts are the site's own files.
    for script in ["live.js", "keys.js"] {
        let file = browser.get(&format!("/static/{script}")).await;
        assert_eq!(file.status, 200);
        assert!(
            file.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
    }

    // A final call's page has no stream.
    run_to_the_end(&app, &app.org.owner_key, &id).await;
    let done = browser.get(&format!("/calls/{id}")).await;
    assert!(!done.body.contains("data-events"), "{}", done.body);
    assert!(done.body.contains("class=\"turn agent\""));
}

async fn a_stream_ends_once_its_key_is_revoked(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let viewer = app.key(&app.org, "viewer@acme.test", Role::Viewer).await;
    let watching = Browser::signed_in(&app, &viewer).await;
    let mut stream = Stream::open(&app, &watching, "/events", None).await;

    // Trusted for a minute: a change within it is sent.
    let first = id_of(&a_call(&app, "+14155550611").await);
    let event = stream.next().await;
    assert_eq!(event.data["call_id"], first.as_str(), "{event:?}");

    let owner = Browser::signed_in(&app, &app.org.owner_key).await;
    let csrf = owner.csrf().await;
    owner
        .post(
            &format!("/settings/keys/{}/revoke", &viewer[..13]),
            &[("csrf", &csrf)],
        )
        .await
        .assert_redirect("/settings/keys");
    // A minute on, the next change is not sent: the stream reads its session again and ends.
    app.clock.advance_seconds(61);
    a_call(&app, "+14155550612").await;
    stream.ends().await;
}
