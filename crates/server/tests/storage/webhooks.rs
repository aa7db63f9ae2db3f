//! The webhook outbox as a ledger: events numbered per call, every attempt kept with its
//! outcome, replays, pages newest first, organizations apart, and deliveries that go with
//! their call.

use crate::common::TestDatabase;
use crate::common::fixtures::{START, at, call, create_org, start_plus, use_case};
use crate::{is_conflict, is_not_found};
use serde_json::json;
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::run::Lease;
use switchyard_core::store::{CallProgress, EngineScope, RunChange, Store};
use switchyard_core::webhook::{
    DeliveryKey, DeliveryQuery, DeliveryRecord, DeliveryState, NewWebhook, WebhookAttempt,
    WebhookDelivery, WebhookOutcome,
};
use switchyard_core::{CallId, Id, Timestamp};

crate::backend_tests!(
    events_are_numbered_per_call_and_attempts_kept,
    replays_pages_and_organizations,
    deliveries_go_with_their_call,
);

pub(crate) fn hook(event_type: &str, url: &str, at: Timestamp) -> NewWebhook {
    NewWebhook {
        id: Id::new(at),
        event_type: event_type.to_owned(),
        url: url.to_owned(),
        headers: vec![],
        body: format!(r#"{{"type":"{event_type}"}}"#),
        created_at: at,
        first_attempt_at: at,
        duplicate: false,
    }
}

/// Writes the call unchanged with these deliveries, as the engine does with an event.
pub(crate) async fn enqueue(store: &dyn Store, call: &Call, webhooks: Vec<NewWebhook>) {
    store
        .save_call_progress(CallProgress {
            call: call.clone(),
            expected_status: call.status,
            logs: vec![],
            webhooks,
            transcript: None,
            run: RunChange::Keep,
            new_calls: vec![],
        })
        .await
        .unwrap();
}

pub(crate) fn lease(at: Timestamp) -> Lease {
    Lease {
        owner: "test".to_owned(),
        until: at.plus_seconds(30),
    }
}

pub(crate) fn answered(at: Timestamp, status: u16) -> WebhookAttempt {
    WebhookAttempt {
        at,
        status: Some(status),
        duration_ms: 12,
        response_excerpt: Some(format!("answer {status}")),
        error: None,
    }
}

pub(crate) async fn finish(
    store: &dyn Store,
    delivery: &WebhookDelivery,
    outcome: WebhookOutcome,
    attempt: WebhookAttempt,
) {
    let log = NewLog::info(attempt.at, "webhook", "attempt", json!({}));
    store
        .finish_webhook_attempt(delivery, &outcome, &attempt, &log)
        .await
        .unwrap();
}

fn query(call_id: Option<CallId>, state: Option<DeliveryState>) -> DeliveryQuery {
    DeliveryQuery {
        call_id,
        state,
        limit: 100,
        before: None,
    }
}

fn sequences(records: &[DeliveryRecord]) -> Vec<(String, String, u32)> {
    records
        .iter()
        .map(|r| (r.event_type.clone(), r.url.clone(), r.sequence))
        .collect()
}

/// A stored call of a new organization, with its store.
pub(crate) async fn a_call(store: &dyn Store, name: &str) -> Call {
    let org = create_org(store, name, &format!("owner@{name}.test")).await;
    let c = call(org.id(), &use_case(org.id(), "Sales", at(START)), at(START));
    store
        .insert_calls(org.id(), std::slice::from_ref(&c), None, None)
        .await
        .unwrap();
    c
}

async fn events_are_numbered_per_call_and_attempts_kept(db: TestDatabase) {
    let store = db.store.as_ref();
    let c = a_call(store, "acme").await;
    let other = a_call(store, "globex").await;
    let (t1, t2, t3) = (start_plus(1), start_plus(2), start_plus(3));
    // Two events in one write (each to two hooks), then a third event alone.
    enqueue(
        store,
        &c,
        vec![
            hook("start", "https://a.test/1", t1),
            hook("start", "https://a.test/2", t1),
            hook("end", "https://a.test/1", t2),
            hook("end", "https://a.test/2", t2),
        ],
    )
    .await;
    enqueue(store, &c, vec![hook("end", "https://a.test/1", t3)]).await;
    enqueue(store, &other, vec![hook("start", "https://g.test/", t1)]).await;

    let org = c.organization_id;
    let all = store
        .list_deliveries(org, &query(None, None))
        .await
        .unwrap();
    let url = |n: u8| format!("https://a.test/{n}");
    let mut expected = vec![
        ("end".to_owned(), url(1), 3),
        ("end".to_owned(), url(2), 2),
        ("end".to_owned(), url(1), 2),
        ("start".to_owned(), url(2), 1),
        ("start".to_owned(), url(1), 1),
    ];
    // Newest first; one event's deliveries in the order of their ids, newest first.
    let mut got = sequences(&all);
    got[1..3].sort();
    got[3..5].sort();
    expected[1..3].sort();
    expected[3..5].sort();
    assert_eq!(got, expected);
    assert!(all.iter().all(|r| r.state == DeliveryState::Pending));
    assert!(
        all.iter()
            .all(|r| r.attempts.is_empty() && r.call_id == c.id)
    );
    let theirs = store
        .list_deliveries(other.organization_id, &query(None, None))
        .await
        .unwrap();
    assert_eq!(
        sequences(&theirs),
        [("start".into(), "https://g.test/".into(), 1)]
    );

    // Attempts: a failure to retry, then a success; a failure given up.
    let now = start_plus(10);
    let claimed = store
        .claim_webhooks(EngineScope::Everyone, now, &lease(now), 100)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 6);
    assert!(claimed.iter().all(|d| !d.replay));
    let first = claimed.iter().find(|d| d.id == all[0].id).unwrap();
    let refused = WebhookAttempt {
        at: now,
        status: None,
        duration_ms: 3,
        response_excerpt: None,
        error: Some("connection refused".to_owned()),
    };
    let retry_at = start_plus(20);
    finish(
        store,
        first,
        WebhookOutcome::Retry { retry_at },
        refused.clone(),
    )
    .await;
    let again = store
        .claim_webhooks(EngineScope::Everyone, retry_at, &lease(retry_at), 100)
        .await
        .unwrap();
    let again = again.iter().find(|d| d.id == first.id).unwrap();
    assert_eq!(again.attempts, 1);
    finish(
        store,
        again,
        WebhookOutcome::Delivered,
        answered(retry_at, 204),
    )
    .await;
    let second = claimed.iter().find(|d| d.id == all[1].id).unwrap();
    finish(store, second, WebhookOutcome::GaveUp, answered(now, 410)).await;

    let delivered = store
        .list_deliveries(org, &query(Some(c.id), Some(DeliveryState::Delivered)))
        .await
        .unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].id, first.id);
    assert_eq!(delivered[0].attempts, [refused, answered(retry_at, 204)]);
    let failed = store
        .list_deliveries(org, &query(None, Some(DeliveryState::Failed)))
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, [answered(now, 410)]);
    let pending = store
        .list_deliveries(org, &query(None, Some(DeliveryState::Pending)))
        .await
        .unwrap();
    assert_eq!(pending.len(), 3);
    assert_eq!(store.webhook_backlog().await.unwrap(), 4);
    // Another call's filter and another organization's call find nothing.
    let none = store
        .list_deliveries(org, &query(Some(other.id), None))
        .await
        .unwrap();
    assert!(none.is_empty());
}

async fn replays_pages_and_organizations(db: TestDatabase) {
    let store = db.store.as_ref();
    let c = a_call(store, "acme").await;
    let org = c.organization_id;
    let globex = a_call(store, "globex").await.organization_id;
    let hooks = (1..=5)
        .map(|n| hook("end", &format!("https://a.test/{n}"), start_plus(n)))
        .collect();
    enqueue(store, &c, hooks).await;

    // Pages of two, newest first, each starting before the last one's key.
    let mut seen = Vec::new();
    let mut before: Option<DeliveryKey> = None;
    loop {
        let page = store
            .list_deliveries(
                org,
                &DeliveryQuery {
                    limit: 2,
                    before,
                    ..query(None, None)
                },
            )
            .await
            .unwrap();
        seen.extend(page.iter().map(|r| r.url.clone()));
        match page.last() {
            Some(last) if page.len() == 2 => before = Some(last.key()),
            _ => break,
        }
    }
    let urls: Vec<String> = (1..=5)
        .rev()
        .map(|n| format!("https://a.test/{n}"))
        .collect();
    assert_eq!(seen, urls);

    let now = start_plus(10);
    let claimed = store
        .claim_webhooks(EngineScope::Everyone, now, &lease(now), 100)
        .await
        .unwrap();
    let delivery = claimed[0].clone();
    // Pending: no replay; unknown or another organization's: not found.
    assert!(is_conflict(
        store.replay_delivery(org, delivery.id, now).await
    ));
    assert!(is_not_found(
        store.replay_delivery(globex, delivery.id, now).await
    ));
    assert!(is_not_found(
        store.replay_delivery(org, Id::new(now), now).await
    ));
    assert!(
        store
            .list_deliveries(globex, &query(Some(c.id), None))
            .await
            .unwrap()
            .is_empty()
    );

    finish(
        store,
        &delivery,
        WebhookOutcome::Delivered,
        answered(now, 200),
    )
    .await;
    let later = start_plus(100);
    let replayed = store
        .replay_delivery(org, delivery.id, later)
        .await
        .unwrap();
    assert_eq!(replayed.state, DeliveryState::Pending);
    assert_eq!(replayed.attempts, [answered(now, 200)]);
    assert!(is_conflict(
        store.replay_delivery(org, delivery.id, later).await
    ));
    let due = store
        .claim_webhooks(EngineScope::Everyone, later, &lease(later), 100)
        .await
        .unwrap();
    let replay = due
        .iter()
        .find(|d| d.id == delivery.id)
        .expect("the replay is due");
    assert!(replay.replay);
    assert_eq!((replay.attempts, &replay.body), (1, &delivery.body));
    finish(store, replay, WebhookOutcome::GaveUp, answered(later, 500)).await;
    let after = store
        .list_deliveries(org, &query(None, Some(DeliveryState::Failed)))
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(
        after[0].attempts,
        [answered(now, 200), answered(later, 500)]
    );
    // A failed replay may be replayed again.
    store
        .replay_delivery(org, delivery.id, later)
        .await
        .unwrap();
    let due = store
        .claim_webhooks(EngineScope::Everyone, later, &lease(later), 100)
        .await
        .unwrap();
    assert!(
        due.iter()
            .any(|d| d.id == delivery.id && d.replay && d.attempts == 2)
    );
}

async fn deliveries_go_with_their_call(db: TestDatabase) {
    let store = db.store.as_ref();
    let c = a_call(store, "acme").await;
    let org = c.organization_id;
    enqueue(
        store,
        &c,
        vec![
            hook("end", "https://a.test/done", start_plus(1)),
            hook("end", "https://a.test/still", start_plus(1)),
        ],
    )
    .await;
    let now = start_plus(10);
    let claimed = store
        .claim_webhooks(EngineScope::Everyone, now, &lease(now), 100)
        .await
        .unwrap();
    let by_url = |url: &str| claimed.iter().find(|d| d.url.ends_with(url)).unwrap();
    finish(
        store,
        by_url("done"),
        WebhookOutcome::Delivered,
        answered(now, 200),
    )
    .await;

    store.delete_call(org, c.id).await.unwrap();
    let left = store
        .list_deliveries(org, &query(None, None))
        .await
        .unwrap();
    assert_eq!(left.len(), 1, "the pending delivery stays to be sent");
    assert!(left[0].url.ends_with("still"));

    // Its retry keeps it; its last attempt takes it, with its attempts.
    let still = by_url("still");
    let retry_at = start_plus(20);
    finish(
        store,
        still,
        WebhookOutcome::Retry { retry_at },
        answered(now, 500),
    )
    .await;
    assert_eq!(
        store
            .list_deliveries(org, &query(None, None))
            .await
            .unwrap()
            .len(),
        1
    );
    let again = store
        .claim_webhooks(EngineScope::Everyone, retry_at, &lease(retry_at), 100)
        .await
        .unwrap();
    finish(
        store,
        &again[0],
        WebhookOutcome::Delivered,
        answered(retry_at, 200),
    )
    .await;
    assert!(
        store
            .list_deliveries(org, &query(None, None))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.webhook_backlog().await.unwrap(), 0);
}
