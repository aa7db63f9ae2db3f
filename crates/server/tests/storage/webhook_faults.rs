//! The sandbox's webhook faults in the store: kept per organization, a held `start`
//! neither claimed nor due until its call's `end` has been attempted, and a duplicated
//! delivery pending once more after its first success.

use super::webhooks::{a_call, answered, enqueue, finish, hook, lease};
use crate::common::TestDatabase;
use crate::common::fixtures::start_plus;
use switchyard_core::store::{EngineScope, Store};
use switchyard_core::webhook::{WebhookDelivery, WebhookOutcome};
use switchyard_core::webhook_faults::{HELD_UNTIL_END_MILLIS, WebhookFaults};
use switchyard_core::{OrgId, Timestamp};

crate::backend_tests!(
    faults_are_kept_per_organization,
    a_held_start_waits_for_the_end_attempt,
    a_duplicated_delivery_is_pending_once_more_after_it_is_delivered,
);

async fn claim(store: &dyn Store, org: OrgId, now: Timestamp) -> Vec<WebhookDelivery> {
    store
        .claim_webhooks(EngineScope::Org(org), now, &lease(now), 100)
        .await
        .unwrap()
}

async fn faults_are_kept_per_organization(db: TestDatabase) {
    let store = db.store.as_ref();
    let ours = a_call(store, "acme").await.organization_id;
    let theirs = a_call(store, "globex").await.organization_id;
    assert_eq!(
        store.webhook_faults(ours).await.unwrap(),
        WebhookFaults::default()
    );
    let faults = WebhookFaults {
        duplicate: 0.25,
        delay_ms: 86_400_000,
        reorder: true,
    };
    store.set_webhook_faults(ours, Some(&faults)).await.unwrap();
    assert_eq!(store.webhook_faults(ours).await.unwrap(), faults);
    assert_eq!(
        store.webhook_faults(theirs).await.unwrap(),
        WebhookFaults::default()
    );
    let changed = WebhookFaults {
        duplicate: 1.0,
        ..WebhookFaults::default()
    };
    store
        .set_webhook_faults(ours, Some(&changed))
        .await
        .unwrap();
    assert_eq!(store.webhook_faults(ours).await.unwrap(), changed);
    store.set_webhook_faults(ours, None).await.unwrap();
    assert_eq!(
        store.webhook_faults(ours).await.unwrap(),
        WebhookFaults::default()
    );
}

async fn a_held_start_waits_for_the_end_attempt(db: TestDatabase) {
    let store = db.store.as_ref();
    let c = a_call(store, "acme").await;
    let org = c.organization_id;
    let mut start = hook("start", "https://a.test/1", start_plus(1));
    start.first_attempt_at = Timestamp::from_millis(HELD_UNTIL_END_MILLIS);
    enqueue(store, &c, vec![start.clone()]).await;

    assert!(claim(store, org, start_plus(3600)).await.is_empty());
    // An advance has nothing to step to: the held instant is not a due one.
    assert_eq!(store.next_due_at(org, start_plus(0)).await.unwrap(), None);

    let mut end = hook("end", "https://a.test/1", start_plus(10));
    end.first_attempt_at = start_plus(70);
    enqueue(store, &c, vec![end.clone()]).await;
    assert_eq!(
        store.next_due_at(org, start_plus(10)).await.unwrap(),
        Some(start_plus(70))
    );
    let claimed = claim(store, org, start_plus(70)).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, end.id);
    // Attempted, not delivered: the start goes anyway.
    let failed = WebhookOutcome::Retry {
        retry_at: start_plus(100),
    };
    finish(store, &claimed[0], failed, answered(start_plus(70), 500)).await;

    let released = claim(store, org, start_plus(70)).await;
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].id, start.id);
}

async fn a_duplicated_delivery_is_pending_once_more_after_it_is_delivered(db: TestDatabase) {
    let store = db.store.as_ref();
    let c = a_call(store, "acme").await;
    let org = c.organization_id;
    let mut end = hook("end", "https://a.test/1", start_plus(1));
    end.duplicate = true;
    enqueue(store, &c, vec![end.clone()]).await;

    let first = claim(store, org, start_plus(1)).await;
    assert!(first[0].duplicate);
    let again = WebhookOutcome::SendAgain { at: start_plus(2) };
    finish(store, &first[0], again, answered(start_plus(1), 200)).await;

    let second = claim(store, org, start_plus(2)).await;
    assert_eq!(second.len(), 1);
    assert_eq!((second[0].id, second[0].attempts), (end.id, 1));
    assert!(!second[0].duplicate, "sent twice, not forever");
    let done = WebhookOutcome::Delivered;
    finish(store, &second[0], done, answered(start_plus(2), 200)).await;
    assert!(claim(store, org, start_plus(3600)).await.is_empty());
    let ledger = store
        .list_deliveries(
            org,
            &switchyard_core::webhook::DeliveryQuery {
                call_id: Some(c.id),
                state: None,
                limit: 10,
                before: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(ledger[0].attempts.len(), 2);
}
