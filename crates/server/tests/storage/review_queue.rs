//! The review queue's read: the oldest call under a filter that a member has not viewed.

use crate::common::TestDatabase;
use crate::common::fixtures::{START, at, call, create_org, start_plus, use_case};
use switchyard_core::call_query::CallFilter;
use switchyard_core::lifecycle::CallStatus;

crate::backend_tests!(next_unviewed_is_the_members_oldest_unviewed_match);

async fn next_unviewed_is_the_members_oldest_unviewed_match(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let org = acme.id();
    let sales = use_case(org, "Carrier sales", at(START));
    let mut calls: Vec<_> = (0..4)
        .map(|i| call(org, &sales, start_plus(60 * i)))
        .collect();
    calls[1].status = CallStatus::Completed;
    calls[3].status = CallStatus::Completed;
    // Inserted newest first: the queue goes by `created`, not by insertion.
    for c in calls.iter().rev() {
        store
            .insert_calls(org, std::slice::from_ref(c), None, None)
            .await
            .unwrap();
    }
    // An older call of another organization is never found.
    let theirs = use_case(globex.id(), "Sales", at(START));
    let foreign = call(globex.id(), &theirs, start_plus(-3600));
    store
        .insert_calls(globex.id(), &[foreign], None, None)
        .await
        .unwrap();

    let any = CallFilter::default();
    let completed = CallFilter {
        statuses: vec![CallStatus::Completed],
        ..CallFilter::default()
    };
    let me = "a@acme.test";
    let next = async |filter: &CallFilter, email: &str| {
        store.next_unviewed(org, filter, email).await.unwrap()
    };
    assert_eq!(next(&any, me).await, Some(calls[0].id));
    assert_eq!(next(&completed, me).await, Some(calls[1].id));

    // Viewing moves the queue on, for that member only.
    store
        .mark_viewed(org, calls[0].id, me, at(START))
        .await
        .unwrap();
    store
        .mark_viewed(org, calls[1].id, me, at(START))
        .await
        .unwrap();
    assert_eq!(next(&any, me).await, Some(calls[2].id));
    assert_eq!(next(&completed, me).await, Some(calls[3].id));
    assert_eq!(next(&any, "b@acme.test").await, Some(calls[0].id));

    // Viewed out of order: a gap is found before what follows it.
    store
        .mark_viewed(org, calls[3].id, me, at(START))
        .await
        .unwrap();
    assert_eq!(next(&completed, me).await, None);
    assert_eq!(next(&any, me).await, Some(calls[2].id));
    store
        .mark_viewed(org, calls[2].id, me, at(START))
        .await
        .unwrap();
    assert_eq!(next(&any, me).await, None);
    assert_eq!(
        store
            .next_unviewed(globex.id(), &any, me)
            .await
            .unwrap()
            .map(|_| "their call"),
        Some("their call")
    );
}
