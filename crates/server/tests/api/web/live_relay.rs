//! The live stream across instances (PostgreSQL): another instance's announced call
//! changes reach this instance's streams, and this instance's own are not doubled.

use super::a_call;
use super::client::Browser;
use super::stream::{Stream, statuses};
use crate::common::{Backend, TestDatabase};
use crate::harness::{TestApp, id_of};
use switchyard_engine::feed::CallFeed;
use tokio_util::sync::CancellationToken;

crate::backend_tests!(another_instances_changes_reach_the_stream);

async fn another_instances_changes_reach_the_stream(db: TestDatabase) {
    let postgres = db.backend == Backend::Postgres;
    let app = TestApp::spawn(db).await;
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let mut stream = Stream::open(&app, &browser, "/events", None).await;
    // Another instance's feed: its changes of one of our calls, as it announces them.
    let call = a_call(&app, "+14155550123").await;
    assert_eq!(stream.next().await.data["status"], "Queued");
    let mut elsewhere: switchyard_core::call::Call = serde_json::from_value(call).unwrap();
    let id = elsewhere.id.to_string();
    let mut announced = |feed: &CallFeed, status: &str| {
        elsewhere.status = status.parse().unwrap();
        feed.status(&elsewhere);
        feed.take_outgoing()
    };
    let other = CallFeed::default();

    // What the relay does with what it hears: another process's change is published
    // here, this process's own is not published twice.
    app.engine
        .feed()
        .relayed(&announced(&other, "Initiated")[0]);
    let ours = app.engine.feed().take_outgoing();
    app.engine
        .feed()
        .relayed(&announced(app.engine.feed(), "Ringing")[0]);
    let initiated = stream.next().await;
    assert_eq!(initiated.data["call_id"], id);
    assert_eq!(initiated.data["status"], "Initiated");
    assert_eq!(stream.next().await.data["status"], "Ringing");
    assert!(
        ours.is_empty(),
        "a relayed change is not announced again: {ours:?}"
    );
    app.engine
        .feed()
        .relayed(&announced(&other, "In progress")[0]);
    assert_eq!(stream.next().await.data["status"], "In progress");

    if !postgres {
        // One process per SQLite file: nothing to tell anyone.
        let busy = announced(&other, "Busy");
        assert!(app.store.announce_call_changes(&busy).await.is_ok());
        return;
    }
    // Through PostgreSQL: the relay listens (an empty answer once it does), then hears
    // what another instance announces, and not what this one does.
    assert!(app.store.wait_for_call_changes().await.is_empty());
    let shutdown = CancellationToken::new();
    let relay = tokio::spawn(app.engine.clone().relay_changes(shutdown.clone()));
    let mine = id_of(&a_call(&app, "+14155550124").await);
    app.store
        .announce_call_changes(&announced(&other, "Completed"))
        .await
        .unwrap();
    let events = stream.until_final(&id).await;
    assert_eq!(statuses(&events), ["Queued", "Completed"]);
    assert_eq!(events[0].data["call_id"], mine);
    shutdown.cancel();
    relay.await.unwrap();
}
