//! The dashboard's rollup (migration 0014's triggers) equals a direct aggregation of the
//! calls after every kind of write: inserts (one by one and bulk), progress saves that
//! change status, costs and tags, deletes and an organization reset; another
//! organization's calls never show.

use crate::common::TestDatabase;
use crate::common::fixtures::{at, call, create_org, use_case};
use crate::query;
use std::collections::BTreeMap;
use switchyard_core::call::{Call, Costs};
use switchyard_core::call_query::CallFilter;
use switchyard_core::dashboard::{self, DashboardRollup};
use switchyard_core::enums::{EndReason, SortOrder};
use switchyard_core::lifecycle::{CallEvent, CallStatus};
use switchyard_core::store::{CallProgress, RunChange, Store};
use switchyard_core::{OrgId, Timestamp, UseCaseId};

crate::backend_tests!(the_rollup_follows_every_write);

/// Two local days of a UTC+1 organization (the bounds of an hour-aligned zone).
fn bounds() -> Vec<Timestamp> {
    [
        "2024-03-09T23:00:00Z",
        "2024-03-10T23:00:00Z",
        "2024-03-11T23:00:00Z",
    ]
    .map(at)
    .to_vec()
}

type Days = BTreeMap<(usize, String), (u64, i64, i64)>;
type Rows = BTreeMap<(String, String, Option<i64>), u64>;

/// What the rollup must say, computed from the calls themselves.
async fn direct(
    store: &dyn Store,
    org: OrgId,
    use_case: Option<UseCaseId>,
    bounds: &[Timestamp],
) -> (Days, Rows, Vec<(String, u64)>) {
    let filter = CallFilter {
        use_cases: use_case.into_iter().collect(),
        ..CallFilter::default()
    };
    let calls = store
        .list_calls(org, &query(filter, SortOrder::Asc))
        .await
        .unwrap()
        .calls;
    let (mut days, mut rows, mut tags) = (Days::new(), Rows::new(), BTreeMap::new());
    for c in &calls {
        let Some(day) = bounds
            .windows(2)
            .position(|w| w[0] <= c.created && c.created < w[1])
        else {
            continue;
        };
        let (tel, ai) = c.costs.as_ref().map_or((0, 0), |k| {
            (dashboard::micros(k.telephony), dashboard::micros(k.ai))
        });
        let entry = days.entry((day, c.status.to_string())).or_default();
        *entry = (entry.0 + 1, entry.1 + tel, entry.2 + ai);
        let reason = c.end_reason.map(|r| r.to_string()).unwrap_or_default();
        *rows
            .entry((c.status.to_string(), reason, dashboard::talk_bin(c)))
            .or_default() += 1;
        for tag in c
            .metadata
            .tags
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
        {
            *tags.entry(tag.clone()).or_insert(0u64) += 1;
        }
    }
    let mut tags: Vec<(String, u64)> = tags.into_iter().collect();
    tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (days, rows, tags)
}

fn read(rollup: DashboardRollup) -> (Days, Rows, Vec<(String, u64)>) {
    let days = rollup
        .days
        .into_iter()
        .map(|d| {
            (
                (d.day, d.status.to_string()),
                (d.calls, d.telephony_micros, d.ai_micros),
            )
        })
        .collect();
    let rows = rollup
        .outcomes
        .into_iter()
        .map(|r| ((r.status.to_string(), r.end_reason, r.talk_bin), r.calls))
        .collect();
    (days, rows, rollup.tags)
}

async fn check(store: &dyn Store, org: OrgId, use_cases: &[UseCaseId], step: &str) {
    let bounds = bounds();
    for use_case in std::iter::once(None).chain(use_cases.iter().copied().map(Some)) {
        let rollup = store
            .dashboard_rollup(org, use_case, &bounds, 100)
            .await
            .unwrap();
        let expected = direct(store, org, use_case, &bounds).await;
        assert_eq!(read(rollup), expected, "{step}, use case {use_case:?}");
    }
    // Usage over whole buckets reads the rollup; a minute later it reads the calls.
    let (from, to) = (bounds[0], bounds[2]);
    for shift in [0, 60_000] {
        let (from, to) = (from.plus_millis(shift), to.plus_millis(shift));
        let got = store.usage_by_use_case(org, from, to).await.unwrap();
        let mut want: BTreeMap<UseCaseId, (u64, f64)> = BTreeMap::new();
        let all = store
            .list_calls(org, &query(CallFilter::default(), SortOrder::Asc))
            .await
            .unwrap()
            .calls;
        for c in all.iter().filter(|c| from <= c.created && c.created < to) {
            let entry = want.entry(c.use_case.id).or_default();
            *entry = (entry.0 + 1, entry.1 + c.duration.unwrap_or(0.0));
        }
        let got: BTreeMap<UseCaseId, (u64, f64)> = got
            .into_iter()
            .map(|u| (u.use_case_id, (u.calls, u.duration_secs)))
            .collect();
        assert_eq!(got.len(), want.len(), "{step}: usage {got:?} {want:?}");
        for (id, (calls, secs)) in &want {
            let (got_calls, got_secs) = got[id];
            assert!(
                got_calls == *calls && (got_secs - secs).abs() < 1e-6,
                "{step}: usage of {id}"
            );
        }
        let buckets = store.usage_buckets(org, from, to, 86_400).await.unwrap();
        let total: u64 = buckets.iter().map(|b| b.calls).sum();
        assert_eq!(
            total,
            want.values().map(|w| w.0).sum::<u64>(),
            "{step}: buckets"
        );
    }
}

/// A finished call: answered ones talk `talk` seconds and carry costs and tags.
fn ended(mut c: Call, status: CallStatus, reason: EndReason, talk: f64, tags: &[&str]) -> Call {
    c.status = status;
    c.end_reason = Some(reason);
    c.duration = Some(talk);
    c.costs = Some(Costs {
        currency: "USD".into(),
        telephony: 0.0123 + talk / 1000.0,
        ai: talk / 500.0,
        total: 0.0,
    });
    c.metadata.tags = tags.iter().map(|t| (*t).to_owned()).collect();
    c
}

async fn save(
    store: &dyn Store,
    mut c: Call,
    event: CallEvent,
    change: impl FnOnce(&mut Call),
) -> Call {
    let expected_status = c.status;
    c.apply(event).unwrap();
    change(&mut c);
    store
        .save_call_progress(CallProgress {
            call: c,
            expected_status,
            logs: vec![],
            webhooks: vec![],
            transcript: None,
            run: RunChange::Keep,
            new_calls: vec![],
        })
        .await
        .unwrap()
}

async fn the_rollup_follows_every_write(db: TestDatabase) {
    let store = db.store.as_ref();
    let org = create_org(store, "Acme", "owner@acme.test").await.id();
    let other = create_org(store, "Other", "owner@other.test").await.id();
    let (sales, support) = (
        use_case(org, "Sales", at("2024-03-01T00:00:00Z")),
        use_case(org, "Support", at("2024-03-01T00:00:00Z")),
    );
    let theirs = use_case(other, "Theirs", at("2024-03-01T00:00:00Z"));
    for u in [&sales, &support, &theirs] {
        store.insert_use_case(u).await.unwrap();
    }
    let ids = [sales.id, support.id];
    check(store, org, &ids, "empty").await;

    // Bulk (the seed's path), across both days, the edges and outside the period.
    let bulk = vec![
        ended(
            call(org, &sales, at("2024-03-09T22:59:59.999Z")),
            CallStatus::Completed,
            EndReason::Completed,
            61.5,
            &["booked"],
        ),
        ended(
            call(org, &sales, at("2024-03-09T23:00:00Z")),
            CallStatus::Completed,
            EndReason::Completed,
            30.0,
            &["booked", "vip"],
        ),
        ended(
            call(org, &support, at("2024-03-10T10:14:00Z")),
            CallStatus::Transferred,
            EndReason::Transferred,
            412.0,
            &["callback"],
        ),
        ended(
            call(org, &sales, at("2024-03-10T10:16:00Z")),
            CallStatus::Busy,
            EndReason::Busy,
            0.0,
            &[],
        ),
        ended(
            call(org, &sales, at("2024-03-11T22:59:59.999Z")),
            CallStatus::Failed,
            EndReason::ProviderError,
            12.0,
            &[],
        ),
        ended(
            call(org, &support, at("2024-03-11T23:00:00Z")),
            CallStatus::Completed,
            EndReason::Completed,
            5.0,
            &["late"],
        ),
    ];
    store.bulk_insert_calls(org, &bulk, vec![]).await.unwrap();
    let mut theirs_call = ended(
        call(other, &theirs, at("2024-03-10T12:00:00Z")),
        CallStatus::Completed,
        EndReason::Completed,
        99.0,
        &["booked"],
    );
    theirs_call.metadata.tags.push("theirs".into());
    store
        .insert_calls(other, &[theirs_call], None, None)
        .await
        .unwrap();
    check(store, org, &ids, "bulk").await;

    // One by one, then through the lifecycle the way the engine saves it.
    let live = call(org, &sales, at("2024-03-10T08:00:00Z"));
    let waiting = call(org, &support, at("2024-03-11T09:30:00Z"));
    store
        .insert_calls(org, &[live.clone(), waiting.clone()], None, None)
        .await
        .unwrap();
    check(store, org, &ids, "queued").await;
    let mut live = save(store, live, CallEvent::Dispatch, |_| {}).await;
    for event in [CallEvent::Ring, CallEvent::Answer] {
        live = save(store, live, event, |_| {}).await;
    }
    check(store, org, &ids, "in progress").await;
    let live = save(
        store,
        live,
        CallEvent::Hangup(EndReason::CustomerHangup),
        |c| {
            c.duration = Some(187.25);
            c.costs = Some(Costs {
                currency: "USD".into(),
                telephony: 0.0437,
                ai: 0.1873,
                total: 0.231,
            });
            c.metadata.tags = vec!["booked".into(), "vip".into()];
        },
    )
    .await;
    check(store, org, &ids, "completed with tags").await;
    // A later save changes its tags (the analysis path replaces them): one removed.
    let mut retagged = live.clone();
    retagged.metadata.tags = vec!["vip".into(), "escalated".into()];
    store
        .save_call_progress(CallProgress {
            call: retagged,
            expected_status: CallStatus::Completed,
            logs: vec![],
            webhooks: vec![],
            transcript: None,
            run: RunChange::Keep,
            new_calls: vec![],
        })
        .await
        .unwrap();
    check(store, org, &ids, "tags replaced").await;
    save(store, waiting, CallEvent::Cancel, |_| {}).await;
    check(store, org, &ids, "canceled").await;

    // The exact talk time of a bin's calls, shortest first, in the period only.
    let period = (bounds()[0], bounds()[2]);
    let bin = dashboard::bin_of(30.0);
    let in_bin = store
        .talk_time_in_bin(org, None, period, bin, 0)
        .await
        .unwrap();
    assert_eq!(in_bin, Some(30.0));
    assert_eq!(
        store
            .talk_time_in_bin(org, None, period, bin, 1)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .talk_time_in_bin(org, Some(support.id), period, bin, 0)
            .await
            .unwrap(),
        None
    );

    // Deletes, with their tags.
    store.delete_call(org, live.id).await.unwrap();
    store.delete_call(org, bulk[1].id).await.unwrap();
    check(store, org, &ids, "deleted").await;

    // A reset empties the organization's rollup and leaves the other's.
    let before = store
        .dashboard_rollup(other, None, &bounds(), 100)
        .await
        .unwrap();
    assert_eq!(
        before.tags,
        vec![("booked".to_owned(), 1), ("theirs".to_owned(), 1)]
    );
    store.reset_organization(org, None).await.unwrap();
    let after = store
        .dashboard_rollup(org, None, &bounds(), 100)
        .await
        .unwrap();
    assert_eq!(after, DashboardRollup::default());
    check(store, org, &ids, "reset").await;
    assert_eq!(
        store
            .dashboard_rollup(other, None, &bounds(), 100)
            .await
            .unwrap(),
        before
    );
}
