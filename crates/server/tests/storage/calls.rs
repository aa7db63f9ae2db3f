//! Creating calls and reading them back: one, a filtered page, a position, the tags.

use crate::common::TestDatabase;
use crate::common::fixtures::{START, at, call, create_org, start_plus, use_case};
use crate::{campaign, count_calls, idempotency, ids, is_not_found, note, query, rating};
use switchyard_core::call::{Call, Classification, Costs};
use switchyard_core::call_query::{CallFilter, CallQuery};
use switchyard_core::enums::{AnsweredBy, CallType, Emoji, EndReason, SortOrder};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::{Store, StoreError};
use switchyard_core::{Id, OrgId};

crate::backend_tests!(
    insert_calls_is_all_or_nothing,
    list_calls_filters_sorts_and_pages,
    every_page_by_skip_or_by_key_matches_the_oracle,
    call_position_agrees_with_list_calls,
    call_tags_are_distinct_sorted_and_scoped,
    the_stored_wire_json_is_the_serialized_call,
);

async fn insert_calls_is_all_or_nothing(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let org = acme.id();
    let sales = use_case(org, "Carrier sales", at(START));
    let spring = campaign(org, "Spring");
    let mut calls: Vec<Call> = (0..3).map(|i| call(org, &sales, start_plus(i))).collect();
    for c in &mut calls {
        c.campaign_id = Some(spring.id);
        c.status = CallStatus::Scheduled;
        c.scheduled_for = Some(start_plus(3600));
    }
    let record = idempotency("key-1", "first");
    store
        .insert_calls(org, &calls, Some(&spring), Some(&record))
        .await
        .unwrap();
    assert_eq!(
        store.find_idempotency(org, "key-1").await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        store.find_idempotency(globex.id(), "key-1").await.unwrap(),
        None
    );
    assert_eq!(store.get_campaign(org, spring.id).await.unwrap(), spring);
    assert!(is_not_found(
        store.get_campaign(globex.id(), spring.id).await
    ));
    for c in &calls {
        assert_eq!(&store.get_call(org, c.id).await.unwrap(), c);
        assert!(is_not_found(store.get_call(globex.id(), c.id).await));
    }

    // The same key again: nothing at all is written.
    let autumn = campaign(org, "Autumn");
    let more: Vec<Call> = (0..2)
        .map(|i| call(org, &sales, start_plus(10 + i)))
        .collect();
    let result = store
        .insert_calls(
            org,
            &more,
            Some(&autumn),
            Some(&idempotency("key-1", "second")),
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::Duplicate("idempotency_key"))),
        "{result:?}"
    );
    assert!(is_not_found(store.get_call(org, more[0].id).await));
    assert!(is_not_found(store.get_campaign(org, autumn.id).await));
    assert_eq!(
        store.find_idempotency(org, "key-1").await.unwrap(),
        Some(record)
    );
    // Another organization has its own keys.
    store
        .insert_calls(globex.id(), &[], None, Some(&idempotency("key-1", "x")))
        .await
        .unwrap();

    // A batch that fails half-way (a repeated id) leaves nothing behind.
    let mut broken: Vec<Call> = (0..3)
        .map(|i| call(org, &sales, start_plus(20 + i)))
        .collect();
    broken[2].id = broken[0].id;
    assert!(
        store
            .insert_calls(org, &broken, None, Some(&idempotency("key-2", "b")))
            .await
            .is_err()
    );
    assert!(is_not_found(store.get_call(org, broken[1].id).await));
    assert_eq!(store.find_idempotency(org, "key-2").await.unwrap(), None);
    assert_eq!(count_calls(store, org).await, 3);

    store.delete_idempotency(org, "key-1").await.unwrap();
    assert_eq!(store.find_idempotency(org, "key-1").await.unwrap(), None);
    store
        .insert_calls(org, &more, None, Some(&idempotency("key-1", "second")))
        .await
        .unwrap();

    // Many calls in one batch (several statements), with children and optional fields.
    let mut batch: Vec<Call> = (0..450)
        .map(|i| call(org, &sales, start_plus(100 + i % 7)))
        .collect();
    batch[0].metadata.tags = vec!["vip".into(), "east".into(), "vip".into()];
    batch[0].notes = vec![note("imported", Id::new(at(START)))];
    batch[0].ratings = vec![rating(Emoji::Check, "a@acme.test", 1)];
    batch[0].viewed_by = vec!["a@acme.test".into(), "b@acme.test".into()];
    batch[0].extraction = Some(
        serde_json::json!({"rate": 1250.5, "lane": "SF-LA"})
            .as_object()
            .unwrap()
            .clone(),
    );
    batch[0].duration = Some(61.25);
    batch[0].parent_call_id = Some(calls[0].id);
    batch[0].transfer_contact_email = Some("Ops@Acme.test".into());
    store.insert_calls(org, &batch, None, None).await.unwrap();
    assert_eq!(count_calls(store, org).await, 3 + 2 + 450);
    assert_eq!(store.get_call(org, batch[0].id).await.unwrap(), batch[0]);
    assert_eq!(
        store.get_call(org, batch[449].id).await.unwrap(),
        batch[449]
    );
    assert_eq!(store.call_tags(org).await.unwrap(), vec!["east", "vip"]);

    // Calls of another organization are refused.
    let foreign = call(globex.id(), &sales, at(START));
    assert!(
        store
            .insert_calls(org, std::slice::from_ref(&foreign), None, None)
            .await
            .is_err()
    );
    assert!(is_not_found(store.get_call(globex.id(), foreign.id).await));
}

/// What `list_calls` must return, computed independently in memory.
fn oracle(calls: &[Call], f: &CallFilter, sort: SortOrder) -> Vec<Call> {
    let any = |list_empty: bool, hit: bool| list_empty || hit;
    let mut out: Vec<Call> = calls
        .iter()
        .filter(|c| {
            f.call_type.is_none_or(|t| c.call_type == t)
                && any(f.statuses.is_empty(), f.statuses.contains(&c.status))
                && any(
                    f.tags.is_empty(),
                    c.metadata.tags.iter().any(|t| f.tags.contains(t)),
                )
                && any(f.models.is_empty(), f.models.contains(&c.use_case.model))
                && any(
                    f.ratings.is_empty(),
                    c.ratings.iter().any(|r| f.ratings.contains(&r.emoji)),
                )
                && any(f.use_cases.is_empty(), f.use_cases.contains(&c.use_case.id))
                && any(
                    f.campaigns.is_empty(),
                    c.campaign_id.is_some_and(|id| f.campaigns.contains(&id)),
                )
                && f.created_from.is_none_or(|t| c.created >= t)
                && f.created_to.is_none_or(|t| c.created <= t)
                && f.search
                    .as_ref()
                    .is_none_or(|s| c.search_text().contains(&s.to_lowercase()))
                && f.transfer_contact_email.as_ref().is_none_or(|e| {
                    c.transfer_contact_email
                        .as_ref()
                        .is_some_and(|t| t.to_lowercase() == e.to_lowercase())
                })
        })
        .cloned()
        .collect();
    out.sort_by_key(|c| (c.created, c.id.to_string()));
    if sort == SortOrder::Desc {
        out.reverse();
    }
    out
}

/// Six calls of Acme (three share a timestamp) and one of Globex that matches everything.
struct CallSet {
    org: OrgId,
    other_org: OrgId,
    calls: Vec<Call>,
    foreign: Call,
    filters: Vec<CallFilter>,
}

async fn call_set(store: &dyn Store) -> CallSet {
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let org = acme.id();
    let uc_a = use_case(org, "Sales", at(START));
    let uc_b = switchyard_core::use_case::UseCase {
        model: "claude".into(),
        ..use_case(org, "Support", at(START))
    };
    let spring = campaign(org, "Spring");
    let t = start_plus;
    let mut c: Vec<Call> = vec![
        call(org, &uc_a, t(0)),
        call(org, &uc_b, t(0)),
        call(org, &uc_a, t(0)),
        call(org, &uc_b, t(60)),
        call(org, &uc_a, t(120)),
        call(org, &uc_b, t(120)),
    ];
    c[0].metadata.tags = vec!["vip".into(), "east".into()];
    (c[1].call_type, c[1].status) = (CallType::Inbound, CallStatus::Completed);
    c[1].metadata.tags = vec!["east".into()];
    c[1].extraction = Some(
        serde_json::json!({"carrier": "Big_Truck 100%"})
            .as_object()
            .unwrap()
            .clone(),
    );
    c[1].transfer_contact_email = Some("Ops@Acme.test".into());
    (c[2].status, c[2].campaign_id) = (CallStatus::Canceled, Some(spring.id));
    (c[3].status, c[3].campaign_id) = (CallStatus::Busy, Some(spring.id));
    c[3].ratings = vec![rating(Emoji::Check, "a@acme.test", 1)];
    (c[4].call_type, c[4].status) = (CallType::Inbound, CallStatus::Scheduled);
    c[4].metadata.to = "+4930123456".into();
    (c[5].status, c[5].metadata.tags) = (CallStatus::Failed, vec!["vip".into()]);
    c[5].ratings = vec![rating(Emoji::ThumbsDown, "a@acme.test", 2)];
    // Inserted out of order, in two batches.
    store
        .insert_calls(org, &[c[4].clone(), c[1].clone(), c[3].clone()], None, None)
        .await
        .unwrap();
    store
        .insert_calls(
            org,
            &[c[5].clone(), c[0].clone(), c[2].clone()],
            Some(&spring),
            None,
        )
        .await
        .unwrap();
    let mut foreign = call(globex.id(), &uc_a, t(0));
    foreign.metadata.tags = vec!["vip".into(), "west".into()];
    store
        .insert_calls(globex.id(), std::slice::from_ref(&foreign), None, None)
        .await
        .unwrap();

    let f = CallFilter::default;
    let filters = vec![
        f(),
        CallFilter {
            call_type: Some(CallType::Inbound),
            ..f()
        },
        CallFilter {
            statuses: vec![CallStatus::Completed, CallStatus::Busy],
            ..f()
        },
        CallFilter {
            tags: vec!["vip".into()],
            ..f()
        },
        CallFilter {
            tags: vec!["vip".into(), "east".into()],
            ..f()
        },
        CallFilter {
            tags: vec!["west".into()],
            ..f()
        },
        CallFilter {
            models: vec!["claude".into()],
            ..f()
        },
        CallFilter {
            ratings: vec![Emoji::Check],
            ..f()
        },
        CallFilter {
            ratings: vec![Emoji::Check, Emoji::ThumbsDown],
            ..f()
        },
        CallFilter {
            use_cases: vec![uc_a.id],
            ..f()
        },
        CallFilter {
            campaigns: vec![spring.id],
            ..f()
        },
        CallFilter {
            created_from: Some(t(60)),
            ..f()
        },
        CallFilter {
            created_from: Some(t(60)),
            created_to: Some(t(60)),
            ..f()
        },
        CallFilter {
            created_to: Some(t(0)),
            ..f()
        },
        CallFilter {
            search: Some("BIG_truck".into()),
            ..f()
        },
        CallFilter {
            search: Some("100%".into()),
            ..f()
        },
        CallFilter {
            search: Some("b_g".into()),
            ..f()
        },
        CallFilter {
            search: Some("4930".into()),
            ..f()
        },
        CallFilter {
            transfer_contact_email: Some("ops@acme.TEST".into()),
            ..f()
        },
        CallFilter {
            use_cases: vec![uc_a.id],
            tags: vec!["vip".into()],
            ..f()
        },
        CallFilter {
            statuses: vec![CallStatus::Queued],
            models: vec!["claude".into()],
            ..f()
        },
        // Several statuses are merged from one walk per status: ties on `created` fall
        // in different walks.
        CallFilter {
            statuses: vec![
                CallStatus::Failed,
                CallStatus::Completed,
                CallStatus::Queued,
                CallStatus::Canceled,
            ],
            ..f()
        },
        CallFilter {
            statuses: vec![
                CallStatus::Completed,
                CallStatus::Canceled,
                CallStatus::Busy,
            ],
            use_cases: vec![uc_b.id],
            created_to: Some(t(60)),
            ..f()
        },
    ];
    CallSet {
        org,
        other_org: globex.id(),
        calls: c,
        foreign,
        filters,
    }
}

async fn list_calls_filters_sorts_and_pages(db: TestDatabase) {
    let store = db.store.as_ref();
    let set = call_set(store).await;
    for filter in &set.filters {
        for sort in [SortOrder::Asc, SortOrder::Desc] {
            let expected = oracle(&set.calls, filter, sort);
            let got = store
                .list_calls(set.org, &query(filter.clone(), sort))
                .await
                .unwrap();
            assert_eq!(ids(&got.calls), ids(&expected), "{filter:?} {sort}");
            assert_eq!(got.calls, expected, "{filter:?} {sort}");
            assert_eq!(got.count, expected.len() as u64, "{filter:?} {sort}");
        }
    }
    // Sanity of the oracle itself: the filters are not all trivial.
    let sizes: Vec<usize> = set
        .filters
        .iter()
        .map(|f| oracle(&set.calls, f, SortOrder::Asc).len())
        .collect();
    assert_eq!(
        sizes,
        [
            6, 2, 2, 2, 3, 0, 3, 1, 2, 3, 2, 3, 1, 3, 1, 1, 0, 1, 1, 1, 0, 4, 2
        ]
    );

    // Ties on `created` are broken by id, in the sort's direction.
    let all = store
        .list_calls(set.org, &query(CallFilter::default(), SortOrder::Desc))
        .await
        .unwrap();
    let mut tied: Vec<String> = set.calls[..3].iter().map(|c| c.id.to_string()).collect();
    tied.sort();
    tied.reverse();
    let last3: Vec<String> = all.calls[3..].iter().map(|c| c.id.to_string()).collect();
    assert_eq!(last3, tied);

    // Pages.
    let desc = oracle(&set.calls, &CallFilter::default(), SortOrder::Desc);
    let page = CallQuery {
        limit: 2,
        skip: 1,
        ..query(CallFilter::default(), SortOrder::Desc)
    };
    let got = store.list_calls(set.org, &page).await.unwrap();
    assert_eq!((ids(&got.calls), got.count), (ids(&desc[1..3]), 6));
    let page = CallQuery {
        limit: 4,
        skip: 4,
        ..page
    };
    assert_eq!(
        ids(&store.list_calls(set.org, &page).await.unwrap().calls),
        ids(&desc[4..])
    );
    let page = CallQuery {
        limit: 4,
        skip: 6,
        ..page
    };
    let got = store.list_calls(set.org, &page).await.unwrap();
    assert_eq!((got.calls.len(), got.count), (0, 6));

    // Another organization sees only its own call.
    let theirs = store
        .list_calls(set.other_org, &query(CallFilter::default(), SortOrder::Asc))
        .await
        .unwrap();
    assert_eq!((theirs.calls, theirs.count), (vec![set.foreign.clone()], 1));
}

/// Pages past the middle are read backwards from the end (where the store can), and key
/// pages start after a call: each must still be exactly the oracle's slice.
async fn every_page_by_skip_or_by_key_matches_the_oracle(db: TestDatabase) {
    let store = db.store.as_ref();
    let set = call_set(store).await;
    for filter in &set.filters {
        for sort in [SortOrder::Asc, SortOrder::Desc] {
            let expected = ids(&oracle(&set.calls, filter, sort));
            for limit in [1, 2, 4] {
                for skip in 0..=expected.len() + 1 {
                    let page = CallQuery {
                        limit,
                        skip: skip as u64,
                        ..query(filter.clone(), sort)
                    };
                    let got = store.list_calls(set.org, &page).await.unwrap();
                    let end = (skip + limit as usize).min(expected.len());
                    let want = expected.get(skip..end).unwrap_or_default();
                    assert_eq!(ids(&got.calls), want, "{filter:?} {sort} {limit} {skip}");
                }

                let mut walked = Vec::new();
                let mut after = None;
                loop {
                    let page = CallQuery {
                        limit,
                        after,
                        ..query(filter.clone(), sort)
                    };
                    let got = store.list_calls(set.org, &page).await.unwrap();
                    assert_eq!(got.count, expected.len() as u64);
                    walked.extend(ids(&got.calls));
                    match got.last {
                        Some(last) if got.calls.len() == limit as usize => after = Some(last),
                        _ => break,
                    }
                }
                assert_eq!(walked, expected, "by key: {filter:?} {sort} {limit}");
            }
        }
    }
}

async fn call_position_agrees_with_list_calls(db: TestDatabase) {
    let store = db.store.as_ref();
    let set = call_set(store).await;
    for filter in &set.filters {
        for sort in [SortOrder::Asc, SortOrder::Desc] {
            let expected = oracle(&set.calls, filter, sort);
            for c in &set.calls {
                let want = expected.iter().position(|e| e.id == c.id).map(|p| p as u64);
                let got = store
                    .call_position(set.org, filter, sort, c.id)
                    .await
                    .unwrap();
                assert_eq!(got, want, "{filter:?} {sort} {}", c.id);
            }
            let foreign = store
                .call_position(set.org, filter, sort, set.foreign.id)
                .await
                .unwrap();
            assert_eq!(foreign, None, "another organization's call");
        }
    }
    let last = oracle(&set.calls, &CallFilter::default(), SortOrder::Desc)
        .pop()
        .unwrap();
    let position = store
        .call_position(set.org, &CallFilter::default(), SortOrder::Desc, last.id)
        .await;
    assert_eq!(position.unwrap(), Some(5));
    let unknown = store
        .call_position(
            set.org,
            &CallFilter::default(),
            SortOrder::Asc,
            Id::new(at(START)),
        )
        .await;
    assert_eq!(unknown.unwrap(), None);
}

async fn call_tags_are_distinct_sorted_and_scoped(db: TestDatabase) {
    let store = db.store.as_ref();
    let set = call_set(store).await;
    assert_eq!(store.call_tags(set.org).await.unwrap(), vec!["east", "vip"]);
    assert_eq!(
        store.call_tags(set.other_org).await.unwrap(),
        vec!["vip", "west"]
    );
    let empty = create_org(store, "Initech", "boss@initech.test").await;
    assert_eq!(
        store.call_tags(empty.id()).await.unwrap(),
        Vec::<String>::new()
    );
    let sales = use_case(empty.id(), "Sales", at(START));
    let mut tagged = call(empty.id(), &sales, at(START));
    tagged.metadata.tags = vec!["b".into(), "Z".into(), "a".into(), "a b".into()];
    store
        .insert_calls(empty.id(), &[tagged], None, None)
        .await
        .unwrap();
    assert_eq!(
        store.call_tags(empty.id()).await.unwrap(),
        vec!["Z", "a", "a b", "b"]
    );
}

/// `get_call_json` and `list_calls_json` splice the stored doc and the children without
/// decoding them; what they give must be byte for byte what serializing the Call gives,
/// for a call with every optional field set (which shows their order too) and for a bare one.
async fn the_stored_wire_json_is_the_serialized_call(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let org = acme.id();
    let sales = use_case(org, "Carrier sales", at(START));
    let bare = call(org, &sales, start_plus(1));
    let mut full = call(org, &sales, start_plus(2));
    let object = |v: serde_json::Value| v.as_object().cloned().unwrap();
    full.metadata.call_sid = Some("CA123".into());
    full.metadata.recording_sid = Some("RE123".into());
    full.metadata.tags = vec!["vip".into(), "\"quoted\" \u{e9}".into()];
    full.metadata.custom = Some(object(serde_json::json!({"load": {"id": "LD-1"}})));
    full.prompt_id = Some("prompt-1".into());
    full.params = Some(object(serde_json::json!({"rate": 1800, "lane": "CHI-DAL"})));
    full.extraction = Some(object(serde_json::json!({"carrier_name": "Acme"})));
    full.classification = Some(Classification {
        tag: "booked".into(),
        reasoning: "agreed on a rate".into(),
    });
    full.duration = Some(93.5);
    full.parent_call_id = Some(bare.id);
    full.samples = Some(vec!["sample".into()]);
    full.scheduled_for = Some(start_plus(3600));
    full.use_backup = Some(true);
    full.wait_until_awake = Some(false);
    full.campaign_id = Some(Id::new(at(START)));
    full.max_duration_mins = Some(12);
    full.transfer_contact_email = Some("ops@acme.test".into());
    full.costs = Some(Costs {
        currency: "USD".into(),
        telephony: 0.12,
        ai: 0.3,
        total: 0.42,
    });
    full.end_reason = Some(EndReason::Completed);
    full.answered_by = Some(AnsweredBy::Human);
    store
        .insert_calls(org, &[bare.clone(), full.clone()], None, None)
        .await
        .unwrap();
    store
        .add_note(org, full.id, &note("first \"note\"", Id::new(at(START))))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    store
        .add_rating(org, full.id, &rating(Emoji::Check, "a@acme.test", 5))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    store
        .mark_viewed(org, full.id, "a@acme.test", start_plus(6))
        .await
        .unwrap()
        .to_call()
        .unwrap();

    for id in [bare.id, full.id] {
        let call = store.get_call(org, id).await.unwrap();
        let json = store.get_call_json(org, id).await.unwrap();
        assert_eq!(json.as_bytes(), serde_json::to_vec(&call).unwrap());
        assert!(is_not_found(store.get_call_json(globex.id(), id).await));
    }
    let page = query(CallFilter::default(), SortOrder::Asc);
    let calls = store.list_calls(org, &page).await.unwrap();
    let json = store.list_calls_json(org, &page).await.unwrap();
    assert_eq!((json.count, json.last), (calls.count, calls.last));
    let spliced: Vec<&[u8]> = json.calls.iter().map(|c| c.as_bytes()).collect();
    let serialized: Vec<Vec<u8>> = calls
        .calls
        .iter()
        .map(|c| serde_json::to_vec(c).unwrap())
        .collect();
    assert_eq!(spliced, serialized);
    assert_eq!(calls.calls[1].notes.len(), 1);
}
