//! `search`: the calls whose `metadata.from`, `metadata.to` or an extraction value contains
//! the needle, ignoring case. A store may find them through a trigram index (migration
//! 0015: SQLite's FTS5 for needles of 3+ characters, PostgreSQL's pg_trgm), by a scan, or
//! either depending on how many match; every needle's answer (calls, order, count, a
//! keyset walk, positions) must equal a filter of all the calls done here, after inserts,
//! an extraction's change, a delete and another organization's reset.

use crate::common::TestDatabase;
use crate::common::fixtures::{call, create_org, start_plus, use_case};
use crate::{ids, query};
use serde_json::json;
use switchyard_core::call::Call;
use switchyard_core::call_query::{CallFilter, CallQuery};
use switchyard_core::enums::SortOrder;
use switchyard_core::store::{CallProgress, RunChange, Store};
use switchyard_core::{CallId, OrgId};

crate::backend_tests!(search_equals_a_filter_of_every_call);

/// Extraction values: case, LIKE's wildcards and escape, non-ASCII, quotes, repeats, and
/// PostgreSQL's dollar quotes (the PostgreSQL store writes the pattern into the statement).
const VALUES: [&str; 11] = [
    "Acme Trucking",
    "BIG_Truck 100%",
    r"C:\Loads\7",
    "Ünïcödé Çargo",
    "LD-49301",
    "say \"hi\"",
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "aaaa",
    "50% off_road",
    "big truck",
    "US$ 1,200 $s$",
];

/// 3+ characters (the index), 1-2 (the scan), wildcards, case, a long needle (more
/// trigrams than the index query keeps), needles matching every call, one call, none.
const NEEDLES: [&str; 38] = [
    "acme",
    "ACME tr",
    "truck",
    "big_truck",
    "big truck",
    "b_g",
    "100%",
    "0%",
    "%",
    "_",
    "%_",
    "\\",
    r"s\7",
    r"\l",
    "ç",
    "ÇAR",
    "ünïcödé",
    "ld-4930",
    "\"hi\"",
    "\"",
    "a",
    "aa",
    "aaa",
    "aaaa",
    "aaaaa",
    "+1",
    "+1415",
    "14155550",
    "5550107",
    "bcdefghijklmnopqrstuvwxy",
    "bcdefghijklmnopqrstuvwxz",
    "zz",
    "nothing like it",
    "7",
    "",
    "$s$",
    "s$",
    "$",
];

fn values_of(c: &Call) -> Vec<String> {
    let mut values = vec![c.metadata.from.clone(), c.metadata.to.clone()];
    for value in c.extraction.iter().flat_map(|e| e.values()) {
        values.push(match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    values
}

/// The documented semantics, newest first.
fn expected(calls: &[Call], needle: &str) -> Vec<CallId> {
    let needle = needle.to_lowercase();
    let mut hits: Vec<&Call> = calls
        .iter()
        .filter(|c| {
            values_of(c)
                .iter()
                .any(|v| v.to_lowercase().contains(&needle))
        })
        .collect();
    hits.sort_by_key(|c| (c.created, c.id.to_string()));
    hits.reverse();
    hits.iter().map(|c| c.id).collect()
}

fn searching(needle: &str) -> CallFilter {
    CallFilter {
        search: Some(needle.to_owned()),
        ..CallFilter::default()
    }
}

async fn check(store: &dyn Store, org: OrgId, calls: &[Call], stage: &str) {
    check_pages(store, org, calls, stage).await;
    for needle in NEEDLES {
        let want = expected(calls, needle);
        for (place, id) in want.iter().enumerate() {
            let position = store
                .call_position(org, &searching(needle), SortOrder::Desc, *id)
                .await
                .unwrap();
            assert_eq!(position, Some(place as u64), "{stage}: {needle:?}");
        }
    }
}

/// Every needle's list, count, keyset walk and an offset page.
async fn check_pages(store: &dyn Store, org: OrgId, calls: &[Call], stage: &str) {
    for needle in NEEDLES {
        let want = expected(calls, needle);
        let everything = CallQuery {
            limit: 10_000,
            ..query(searching(needle), SortOrder::Desc)
        };
        let all = store.list_calls(org, &everything).await.unwrap();
        assert_eq!(ids(&all.calls), want, "{stage}: {needle:?}");
        assert_eq!(all.count, want.len() as u64, "{stage}: {needle:?}");

        // Pages of an eighth of the matches (2 at least) by keyset, oldest first; a page
        // by offset.
        let size = want.len().div_ceil(8).max(2) as u32;
        let mut walked = Vec::new();
        let mut page = CallQuery {
            limit: size,
            ..query(searching(needle), SortOrder::Asc)
        };
        loop {
            let list = store.list_calls(org, &page).await.unwrap();
            assert_eq!(list.count, want.len() as u64, "{stage}: {needle:?}");
            walked.extend(ids(&list.calls));
            match list.last {
                Some(last) if list.calls.len() == size as usize => page.after = Some(last),
                _ => break,
            }
        }
        walked.reverse();
        assert_eq!(walked, want, "{stage}: {needle:?} by keyset");
        let middle = CallQuery {
            skip: 1,
            limit: 2,
            ..query(searching(needle), SortOrder::Desc)
        };
        let list = store.list_calls(org, &middle).await.unwrap();
        let want_middle: Vec<CallId> = want.iter().skip(1).take(2).copied().collect();
        assert_eq!(
            ids(&list.calls),
            want_middle,
            "{stage}: {needle:?} by offset"
        );

        for (place, id) in want.iter().enumerate() {
            let position = store
                .call_position(org, &searching(needle), SortOrder::Desc, *id)
                .await
                .unwrap();
            assert_eq!(position, Some(place as u64), "{stage}: {needle:?}");
        }
    }
}

/// `count` calls of `org`, each with its own `to` and, for most, an extraction.
fn calls_of(org: OrgId, first: i64, count: i64) -> Vec<Call> {
    let sales = use_case(org, "Sales", start_plus(0));
    (0..count)
        .map(|i| {
            // Pairs share a timestamp: ties are ordered by id.
            let mut c = call(org, &sales, start_plus((first + i) / 2 * 60));
            c.metadata.to = format!("+1415555{:04}", 100 + first + i);
            if i % 4 != 3 {
                let value = VALUES[(i as usize) % VALUES.len()];
                let mut extraction = serde_json::Map::new();
                extraction.insert("carrier".into(), json!(value));
                extraction.insert("rate".into(), json!(900 + i));
                c.extraction = Some(extraction);
            }
            c
        })
        .collect()
}

async fn save_extraction(store: &dyn Store, mut c: Call, value: &str) -> Call {
    let mut extraction = serde_json::Map::new();
    extraction.insert("carrier".into(), json!(value));
    c.extraction = Some(extraction);
    store
        .save_call_progress(CallProgress {
            expected_status: c.status,
            call: c,
            logs: vec![],
            webhooks: vec![],
            transcript: None,
            run: RunChange::Keep,
            new_calls: vec![],
        })
        .await
        .unwrap()
}

async fn search_equals_a_filter_of_every_call(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test")
        .await
        .id();
    let globex = create_org(store, "Globex", "boss@globex.test").await.id();
    let mut ours = calls_of(acme, 0, 30);
    let mut theirs = calls_of(globex, 30, 12);
    store.insert_calls(acme, &ours, None, None).await.unwrap();
    store
        .bulk_insert_calls(globex, &theirs, vec![])
        .await
        .unwrap();
    check(store, acme, &ours, "inserted").await;
    check(store, globex, &theirs, "inserted").await;

    // An extraction that changes leaves the old text unfound and the new one found.
    ours[0] = save_extraction(store, ours[0].clone(), "Zyx Hauling 42%").await;
    ours[6] = save_extraction(store, ours[6].clone(), "ACME TRUCKING").await;
    check(store, acme, &ours, "extraction changed").await;

    let gone = ours.remove(1);
    store.delete_call(acme, gone.id).await.unwrap();
    check(store, acme, &ours, "deleted").await;

    store.reset_organization(globex, None).await.unwrap();
    check(store, globex, &[], "reset").await;
    check(store, acme, &ours, "other organization reset").await;
    theirs = calls_of(globex, 60, 8);
    store
        .insert_calls(globex, &theirs, None, None)
        .await
        .unwrap();
    check(store, globex, &theirs, "refilled").await;
}
