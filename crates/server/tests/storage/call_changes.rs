//! Changing a call: notes, views, ratings, transitions, deletion, concurrent writers.

use crate::common::TestDatabase;
use crate::common::fixtures::{START, at, call, start_plus, transition};
use crate::{count_calls, ids, is_conflict, is_not_found, note, one_call, query, rating};
use std::sync::Arc;
use switchyard_core::call::{Call, NoteAuthor, NotePatch};
use switchyard_core::call_query::CallFilter;
use switchyard_core::enums::{Emoji, EndReason, Role, SortOrder};
use switchyard_core::lifecycle::{CallEvent, CallStatus, IllegalTransition};
use switchyard_core::store::{Store, StoreError};
use switchyard_core::{Id, NoteId};

crate::backend_tests!(
    notes_add_update_delete,
    views_keep_first_order_and_are_idempotent,
    a_page_keeps_each_calls_children_in_the_order_added,
    ratings_are_unique_per_email_and_emoji,
    transitions_follow_the_state_machine,
    deleting_a_call_takes_its_children,
    concurrent_writers_queue_instead_of_failing,
    a_failing_write_among_concurrent_ones_fails_alone,
    a_write_failing_after_it_began_changing_fails_alone,
    a_second_store_on_the_same_database_shares_it,
);

async fn notes_add_update_delete(db: TestDatabase) {
    let store = db.store.as_ref();
    let (org, other, c) = one_call(store).await;
    // Ids that sort against insertion order: notes must come back oldest first anyway.
    let (a, b, z) = (Id::new(at(START)), Id::new(at(START)), Id::new(at(START)));
    let mut after = c.clone();
    for n in [note("first", z), note("second", a), note("third", b)] {
        after = store
            .add_note(org, c.id, &n)
            .await
            .unwrap()
            .to_call()
            .unwrap();
        assert_eq!(after.notes.last(), Some(&n));
    }
    let contents = |call: &Call| {
        call.notes
            .iter()
            .map(|n| n.content.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(contents(&after), ["first", "second", "third"]);
    assert_eq!(
        Call {
            notes: vec![],
            ..after.clone()
        },
        c,
        "only the notes changed"
    );
    assert!(is_not_found(
        store
            .add_note(other, c.id, &note("x", Id::new(at(START))))
            .await
    ));
    assert!(is_not_found(
        store
            .add_note(org, Id::new(at(START)), &note("x", Id::new(at(START))))
            .await
    ));

    let content_only = NotePatch {
        content: Some("second, edited".into()),
        flagged: None,
    };
    let author = NoteAuthor::Only("owner@acme.test".into());
    let someone_else = NoteAuthor::Only("rep@acme.test".into());
    assert!(is_not_found(
        store
            .update_note(org, c.id, a, &someone_else, &content_only, start_plus(59))
            .await
    ));
    let after = store
        .update_note(org, c.id, a, &author, &content_only, start_plus(60))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    let edited = &after.notes[1];
    assert_eq!(
        (edited.content.as_str(), edited.flagged),
        ("second, edited", false)
    );
    assert_eq!(
        (edited.created_at, edited.updated_at),
        (at(START), Some(start_plus(60)))
    );
    let flag_only = NotePatch {
        content: None,
        flagged: Some(true),
    };
    let after = store
        .update_note(
            org,
            c.id,
            a,
            &NoteAuthor::Anyone,
            &flag_only,
            start_plus(61),
        )
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(
        (after.notes[1].content.as_str(), after.notes[1].flagged),
        ("second, edited", true)
    );
    assert!(is_not_found(
        store
            .update_note(other, c.id, a, &NoteAuthor::Anyone, &flag_only, at(START))
            .await
    ));
    assert!(is_not_found(
        store
            .update_note(
                org,
                c.id,
                Id::new(at(START)),
                &NoteAuthor::Anyone,
                &flag_only,
                at(START)
            )
            .await
    ));

    assert!(is_not_found(
        store.delete_note(org, c.id, a, &someone_else).await
    ));
    let after = store
        .delete_note(org, c.id, a, &author)
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(contents(&after), ["first", "third"]);
    assert!(is_not_found(
        store.delete_note(org, c.id, a, &NoteAuthor::Anyone).await
    ));
    assert!(is_not_found(
        store
            .update_note(org, c.id, a, &NoteAuthor::Anyone, &flag_only, at(START))
            .await
    ));
    assert!(is_not_found(
        store.delete_note(other, c.id, b, &NoteAuthor::Anyone).await
    ));
    assert_eq!(store.get_call(org, c.id).await.unwrap(), after);
    let after = store
        .add_note(org, c.id, &note("fourth", Id::new(at(START))))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(contents(&after), ["first", "third", "fourth"]);
}

async fn views_keep_first_order_and_are_idempotent(db: TestDatabase) {
    let store = db.store.as_ref();
    let (org, other, c) = one_call(store).await;
    let now = at(START);
    for email in [
        "b@acme.test",
        "a@acme.test",
        "b@acme.test",
        "c@acme.test",
        "a@acme.test",
    ] {
        store
            .mark_viewed(org, c.id, email, now)
            .await
            .unwrap()
            .to_call()
            .unwrap();
    }
    let viewed = store.get_call(org, c.id).await.unwrap().viewed_by;
    assert_eq!(viewed, ["b@acme.test", "a@acme.test", "c@acme.test"]);
    let again = store
        .mark_viewed(org, c.id, "a@acme.test", now)
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(again.viewed_by, viewed);
    assert!(is_not_found(
        store.mark_viewed(other, c.id, "x@globex.test", now).await
    ));
    assert!(is_not_found(
        store
            .mark_viewed(org, Id::new(now), "x@acme.test", now)
            .await
    ));
    assert_eq!(store.get_call(org, c.id).await.unwrap().viewed_by, viewed);
}

/// Children of the calls on one page, added interleaved across the calls, come back in the
/// order they were added to each call, one call and one kind from another.
async fn a_page_keeps_each_calls_children_in_the_order_added(db: TestDatabase) {
    let store = db.store.as_ref();
    let (org, _, first) = one_call(store).await;
    let second = Call {
        id: Id::new(start_plus(1)),
        created: start_plus(1),
        ..first.clone()
    };
    store
        .insert_calls(org, std::slice::from_ref(&second), None, None)
        .await
        .unwrap();
    let now = at(START);
    for round in 0..4 {
        for (call, who) in [
            (first.id, ["d", "b", "c", "a"]),
            (second.id, ["a", "c", "b", "d"]),
        ] {
            let email = format!("{}@acme.test", who[round]);
            let content = format!("{} {round}", call);
            store
                .add_note(org, call, &note(&content, Id::new(at(START))))
                .await
                .unwrap();
            store.mark_viewed(org, call, &email, now).await.unwrap();
            let emoji = [Emoji::Check, Emoji::ThumbsDown][round % 2];
            store
                .add_rating(org, call, &rating(emoji, &email, round as i64))
                .await
                .unwrap();
        }
    }
    let page = store
        .list_calls(org, &query(CallFilter::default(), SortOrder::Asc))
        .await
        .unwrap();
    assert_eq!(ids(&page.calls), [first.id, second.id]);
    for (listed, who) in page
        .calls
        .iter()
        .zip([["d", "b", "c", "a"], ["a", "c", "b", "d"]])
    {
        let emails: Vec<String> = who.iter().map(|w| format!("{w}@acme.test")).collect();
        let notes: Vec<String> = listed.notes.iter().map(|n| n.content.clone()).collect();
        let expected: Vec<String> = (0..4).map(|r| format!("{} {r}", listed.id)).collect();
        assert_eq!(notes, expected);
        assert_eq!(listed.viewed_by, emails);
        let raters: Vec<&str> = listed.ratings.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(raters, emails);
        assert_eq!(&store.get_call(org, listed.id).await.unwrap(), listed);
    }
}

async fn ratings_are_unique_per_email_and_emoji(db: TestDatabase) {
    let store = db.store.as_ref();
    let (org, other, c) = one_call(store).await;
    store
        .add_rating(org, c.id, &rating(Emoji::Check, "a@acme.test", 1))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    let after = store
        .add_rating(org, c.id, &rating(Emoji::Check, "a@acme.test", 2))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(
        after.ratings,
        vec![rating(Emoji::Check, "a@acme.test", 1)],
        "the first is kept"
    );
    store
        .add_rating(org, c.id, &rating(Emoji::ThumbsDown, "a@acme.test", 3))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    let after = store
        .add_rating(org, c.id, &rating(Emoji::Check, "b@acme.test", 4))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    let expected = vec![
        rating(Emoji::Check, "a@acme.test", 1),
        rating(Emoji::ThumbsDown, "a@acme.test", 3),
        rating(Emoji::Check, "b@acme.test", 4),
    ];
    assert_eq!(after.ratings, expected);
    let same = store
        .remove_rating(org, c.id, Emoji::Siren, "a@acme.test")
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(
        same.ratings, expected,
        "removing a missing rating is a no-op"
    );

    let by = |emojis: Vec<Emoji>| CallFilter {
        ratings: emojis,
        ..CallFilter::default()
    };
    let count = |f: CallFilter| async move {
        store
            .list_calls(org, &query(f, SortOrder::Desc))
            .await
            .unwrap()
            .count
    };
    assert_eq!(count(by(vec![Emoji::ThumbsDown])).await, 1);
    assert_eq!(count(by(vec![Emoji::Siren])).await, 0);
    let after = store
        .remove_rating(org, c.id, Emoji::ThumbsDown, "a@acme.test")
        .await
        .unwrap()
        .to_call()
        .unwrap();
    assert_eq!(
        after.ratings,
        vec![expected[0].clone(), expected[2].clone()]
    );
    assert_eq!(count(by(vec![Emoji::ThumbsDown])).await, 0);
    assert_eq!(count(by(vec![Emoji::ThumbsDown, Emoji::Check])).await, 1);
    assert!(is_not_found(
        store
            .add_rating(other, c.id, &rating(Emoji::Siren, "x@globex.test", 5))
            .await
    ));
    assert!(is_not_found(
        store
            .remove_rating(other, c.id, Emoji::Check, "a@acme.test")
            .await
    ));
    assert_eq!(
        store.get_call(org, c.id).await.unwrap().ratings,
        after.ratings
    );
}

async fn transitions_follow_the_state_machine(db: TestDatabase) {
    let store = db.store.as_ref();
    let (org, other, mut c) = one_call(store).await;
    store
        .add_note(org, c.id, &note("before", Id::new(at(START))))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    let steps = [
        (CallEvent::Dispatch, CallStatus::Initiated),
        (CallEvent::Ring, CallStatus::Ringing),
        (CallEvent::Answer, CallStatus::InProgress),
        (
            CallEvent::Hangup(EndReason::CustomerHangup),
            CallStatus::Completed,
        ),
    ];
    for (event, status) in steps {
        let after = transition(store, org, c.id, event).await.unwrap();
        assert_eq!(after.status, status);
        assert_eq!(after.notes.len(), 1, "children survive a transition");
        assert_eq!(store.get_call(org, c.id).await.unwrap(), after);
        c = after;
    }
    assert_eq!(c.end_reason, Some(EndReason::CustomerHangup));
    let completed = CallFilter {
        statuses: vec![CallStatus::Completed],
        ..CallFilter::default()
    };
    assert_eq!(
        ids(&store
            .list_calls(org, &query(completed, SortOrder::Asc))
            .await
            .unwrap()
            .calls),
        vec![c.id]
    );

    // A final call accepts nothing, and is left as it was.
    for event in [
        CallEvent::Cancel,
        CallEvent::Stop,
        CallEvent::Hangup(EndReason::Completed),
    ] {
        let result = transition(store, org, c.id, event).await;
        assert!(
            matches!(result, Err(StoreError::IllegalTransition(IllegalTransition { from: CallStatus::Completed, event: e })) if e == event),
            "{result:?}"
        );
    }
    assert_eq!(store.get_call(org, c.id).await.unwrap(), c);

    // An event the status does not allow.
    let sales = c.use_case.clone();
    let mut scheduled = call(org, &sales, start_plus(1));
    scheduled.status = CallStatus::Scheduled;
    store
        .insert_calls(org, &[scheduled.clone()], None, None)
        .await
        .unwrap();
    let result = transition(store, org, scheduled.id, CallEvent::Ring).await;
    assert!(
        matches!(result, Err(StoreError::IllegalTransition(t)) if t.from == CallStatus::Scheduled)
    );
    assert_eq!(
        store.get_call(org, scheduled.id).await.unwrap().status,
        CallStatus::Scheduled
    );
    assert!(is_not_found(
        transition(store, other, scheduled.id, CallEvent::Cancel).await
    ));
    assert!(is_not_found(
        transition(store, org, Id::new(at(START)), CallEvent::Cancel).await
    ));
    let canceled = transition(store, org, scheduled.id, CallEvent::Cancel)
        .await
        .unwrap();
    assert_eq!(
        (canceled.status, canceled.end_reason),
        (CallStatus::Canceled, Some(EndReason::Canceled))
    );
    let queued = transition(store, org, scheduled.id, CallEvent::Enqueue).await;
    assert!(matches!(queued, Err(StoreError::IllegalTransition(_))));
}

async fn deleting_a_call_takes_its_children(db: TestDatabase) {
    let store = db.store.as_ref();
    let (org, other, c) = one_call(store).await;
    store
        .add_note(org, c.id, &note("keep me?", Id::new(at(START))))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    store
        .add_rating(org, c.id, &rating(Emoji::Siren, "a@acme.test", 1))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    store
        .mark_viewed(org, c.id, "a@acme.test", at(START))
        .await
        .unwrap()
        .to_call()
        .unwrap();
    let live = transition(store, org, c.id, CallEvent::Dispatch)
        .await
        .unwrap();
    assert!(is_conflict(store.delete_call(org, c.id).await));
    assert_eq!(store.get_call(org, c.id).await.unwrap(), live);
    assert!(is_not_found(store.delete_call(other, c.id).await));

    let stopped = transition(store, org, c.id, CallEvent::Stop).await.unwrap();
    let deleted = store.delete_call(org, c.id).await.unwrap();
    assert_eq!(deleted, stopped);
    assert_eq!(
        (
            deleted.notes.len(),
            deleted.ratings.len(),
            deleted.viewed_by.len()
        ),
        (1, 1, 1)
    );
    assert!(is_not_found(store.get_call(org, c.id).await));
    assert!(is_not_found(store.delete_call(org, c.id).await));
    assert!(is_not_found(
        store
            .add_note(org, c.id, &note("late", Id::new(at(START))))
            .await
    ));
    assert_eq!(
        store.call_tags(org).await.unwrap(),
        Vec::<String>::new(),
        "its tags went too"
    );
    let sirens = CallFilter {
        ratings: vec![Emoji::Siren],
        ..CallFilter::default()
    };
    assert_eq!(
        store
            .list_calls(org, &query(sirens, SortOrder::Desc))
            .await
            .unwrap()
            .count,
        0
    );

    // Waiting calls may be deleted; a new call may reuse nothing of the old one.
    let queued = call(org, &c.use_case, start_plus(5));
    store
        .insert_calls(org, std::slice::from_ref(&queued), None, None)
        .await
        .unwrap();
    assert_eq!(store.delete_call(org, queued.id).await.unwrap(), queued);
    assert_eq!(count_calls(store, org).await, 0);
}

async fn concurrent_writers_queue_instead_of_failing(db: TestDatabase) {
    let (org, _, c) = one_call(db.store.as_ref()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24 {
        let store: Arc<dyn Store> = db.store.clone();
        tasks.spawn(async move {
            let n = note(&format!("note {i}"), Id::new(at(START)));
            store.add_note(org, c.id, &n).await.map(|_| ())?;
            store
                .mark_viewed(org, c.id, &format!("u{}@acme.test", i % 5), at(START))
                .await
                .map(|_| ())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    let after = db.store.get_call(org, c.id).await.unwrap();
    assert_eq!(after.notes.len(), 24);
    let mut distinct: Vec<NoteId> = after.notes.iter().map(|n| n.id).collect();
    distinct.dedup();
    assert_eq!(distinct.len(), 24);
    assert_eq!(after.viewed_by.len(), 5);
}

/// Review writes may share a commit (SQLite's group commit): one refused as `NotFound`
/// fails alone, and the ones beside it are kept and answered.
async fn a_failing_write_among_concurrent_ones_fails_alone(db: TestDatabase) {
    let (org, other, c) = one_call(db.store.as_ref()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let store: Arc<dyn Store> = db.store.clone();
        tasks.spawn(async move {
            let n = note(&format!("note {i}"), Id::new(at(START)));
            match i % 3 {
                0 => store.add_note(org, c.id, &n).await.map(|_| true),
                // A note that does not exist, then a call of another organization.
                1 => store
                    .delete_note(org, c.id, n.id, &NoteAuthor::Anyone)
                    .await
                    .map(|_| true),
                _ => store.add_note(other, c.id, &n).await.map(|_| true),
            }
            .or_else(|error| match error {
                StoreError::NotFound(_) => Ok(false),
                error => Err(error),
            })
        });
    }
    let mut kept = 0;
    while let Some(result) = tasks.join_next().await {
        kept += usize::from(result.unwrap().unwrap());
    }
    assert_eq!(kept, 10);
    let after = db.store.get_call(org, c.id).await.unwrap();
    assert_eq!(after.notes.len(), 10);
}

/// A write that fails in its statement (a note id already taken), not as `NotFound`, fails
/// alone too: SQLite's group commit runs its batch again without it.
async fn a_write_failing_after_it_began_changing_fails_alone(db: TestDatabase) {
    let (org, _, c) = one_call(db.store.as_ref()).await;
    let taken = Id::new(at(START));
    db.store
        .add_note(org, c.id, &note("first", taken))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let store: Arc<dyn Store> = db.store.clone();
        tasks.spawn(async move {
            let id = if i % 3 == 0 {
                taken
            } else {
                Id::new(at(START))
            };
            match store
                .add_note(org, c.id, &note(&format!("note {i}"), id))
                .await
            {
                Ok(_) => true,
                Err(StoreError::NotFound(_)) => panic!("the call is there"),
                Err(_) => false,
            }
        });
    }
    let mut kept = 0;
    while let Some(result) = tasks.join_next().await {
        kept += usize::from(result.unwrap());
    }
    assert_eq!(kept, 20);
    let after = db.store.get_call(org, c.id).await.unwrap();
    assert_eq!(after.notes.len(), 21);
    assert_eq!(after.notes[0].content, "first");
}

/// What the CLI does while the server runs: open the same database and write to it.
async fn a_second_store_on_the_same_database_shares_it(db: TestDatabase) {
    let second = crate::second_store(&db).await;
    second.ping().await.unwrap();
    let (org, _, c) = one_call(db.store.as_ref()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (first, second) = (db.store.clone(), second.clone());
        tasks.spawn(async move {
            let n = note(&format!("note {i}"), Id::new(at(START)));
            let key = crate::common::fixtures::api_key(org, &format!("k{i}@acme.test"), at(START));
            let (noted, keyed) = tokio::join!(
                first.add_note(org, c.id, &n),
                second.create_api_key(&key, Role::Viewer)
            );
            noted.unwrap();
            keyed.unwrap();
            key
        });
    }
    let mut keys = Vec::new();
    while let Some(key) = tasks.join_next().await {
        keys.push(key.unwrap());
    }
    assert_eq!(second.get_call(org, c.id).await.unwrap().notes.len(), 12);
    for key in keys {
        let owner = db.store.find_api_key(&key.prefix).await.unwrap().unwrap();
        assert_eq!((owner.key, owner.role), (key, Role::Viewer));
    }
    assert_eq!(db.store.list_members(org).await.unwrap().len(), 13);
}
