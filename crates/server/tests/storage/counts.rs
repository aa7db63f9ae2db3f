//! `list_calls` reports how many calls match; a store may reuse counts between requests
//! (SQLite does). Every change a filter can see must show in the next count, whichever
//! store (process) made it.

use crate::common::TestDatabase;
use crate::common::fixtures::{START, at, call, start_plus, transition};
use crate::{one_call, query, rating};
use switchyard_core::call_query::CallFilter;
use switchyard_core::enums::{Emoji, SortOrder};
use switchyard_core::lifecycle::{CallEvent, CallStatus};
use switchyard_core::store::Store;
use switchyard_core::{OrgId, UseCaseId};

crate::backend_tests!(counts_follow_every_change_a_filter_can_see);

fn filters(use_case: UseCaseId) -> Vec<CallFilter> {
    vec![
        CallFilter::default(),
        CallFilter {
            statuses: vec![CallStatus::Queued],
            ..CallFilter::default()
        },
        CallFilter {
            statuses: vec![CallStatus::Initiated, CallStatus::Canceled],
            use_cases: vec![use_case],
            ..CallFilter::default()
        },
        CallFilter {
            ratings: vec![Emoji::Check],
            ..CallFilter::default()
        },
        CallFilter {
            tags: vec!["solo".into()],
            ..CallFilter::default()
        },
    ]
}

/// The counts `store` reports for `filters`, each checked against the calls it lists
/// (every match fits on the page, and the page is never reused).
async fn counts(store: &dyn Store, org: OrgId, filters: &[CallFilter]) -> Vec<u64> {
    let mut counts = Vec::new();
    for filter in filters {
        let page = store
            .list_calls(org, &query(filter.clone(), SortOrder::Desc))
            .await
            .unwrap();
        assert_eq!(page.count, page.calls.len() as u64, "{filter:?}");
        counts.push(page.count);
    }
    counts
}

async fn counts_follow_every_change_a_filter_can_see(db: TestDatabase) {
    let reader = db.store.as_ref();
    let writer = crate::second_store(&db).await;
    let (org, other, solo) = one_call(reader).await;
    let use_case = solo.use_case.id;
    let filters = filters(use_case);
    assert_eq!(counts(reader, org, &filters).await, [1, 1, 0, 0, 1]);
    // Asked twice with nothing changed: the same answer (from the cache, where there is one).
    assert_eq!(counts(reader, org, &filters).await, [1, 1, 0, 0, 1]);

    writer
        .add_rating(org, solo.id, &rating(Emoji::Check, "a@acme.test", 1))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(counts(reader, org, &filters).await, [1, 1, 0, 1, 1]);

    transition(writer.as_ref(), org, solo.id, CallEvent::Dispatch)
        .await
        .unwrap();
    assert_eq!(counts(reader, org, &filters).await, [1, 0, 1, 1, 1]);

    let mut second = call(org, &solo.use_case, start_plus(60));
    second.metadata.tags = vec!["pair".into()];
    writer
        .insert_calls(org, &[second.clone()], None, None)
        .await
        .unwrap();
    assert_eq!(counts(reader, org, &filters).await, [2, 1, 1, 1, 1]);

    writer
        .remove_rating(org, solo.id, Emoji::Check, "a@acme.test")
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(counts(reader, org, &filters).await, [2, 1, 1, 0, 1]);

    transition(writer.as_ref(), org, second.id, CallEvent::Cancel)
        .await
        .unwrap();
    assert_eq!(counts(reader, org, &filters).await, [2, 0, 2, 0, 1]);

    writer.delete_call(org, second.id).await.unwrap();
    assert_eq!(counts(reader, org, &filters).await, [1, 0, 1, 0, 1]);

    // Another organization's changes are its own.
    let theirs = crate::common::fixtures::use_case(other, "Theirs", at(START));
    writer
        .insert_calls(other, &[call(other, &theirs, at(START))], None, None)
        .await
        .unwrap();
    assert_eq!(counts(reader, org, &filters).await, [1, 0, 1, 0, 1]);
    assert_eq!(counts(reader, other, &filters[..1]).await, [1]);
}
