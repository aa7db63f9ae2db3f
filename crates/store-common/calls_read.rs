// Reading calls: one call, a filtered page, a position, the tag list. A Call is its `doc`
// plus its child rows (notes, ratings, views), which are loaded for a whole page at once.

use crate::ThisStore;
use crate::call_counts::filter_key;
use crate::call_filters::{order_by, push_before, push_where};
use crate::call_row::call_from_doc;
use crate::support::{Conn, DbRow, OrBackend, backend, get, get_id};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use switchyard_core::call::{Call, Note, Rating};
use switchyard_core::enums::SortOrder;
use switchyard_core::store::{
    CallFilter, CallKey, CallList, CallQuery, StoreError, StoreResult,
};
use switchyard_core::{Id, Timestamp};

/// The call with its children, in one round trip; `NotFound` if it is not the organization's.
pub(crate) async fn load_call(conn: &mut Conn, org: Id, id: Id) -> StoreResult<Call> {
    let mut rows = child_rows(conn, &[id], Some(org)).await?;
    let doc_row = match rows.last() {
        Some(row) if get::<i32>(row, "kind")? == DOC => rows.pop(),
        _ => None,
    };
    let doc: String = get(&doc_row.ok_or(StoreError::NotFound)?, "doc")?;
    let mut calls = [call_from_doc(&doc)?];
    fill_children(&mut calls, rows)?;
    let [call] = calls;
    Ok(call)
}

/// The kinds of row `child_rows` returns, in this order.
const NOTE: i32 = 0;
const RATING: i32 = 1;
const VIEW: i32 = 2;
const DOC: i32 = 3;

/// Every note, rating and view of `calls` in one result set (one round trip instead of
/// three), then, with `doc_of`, the call's own doc if it is that organization's (one call).
/// `kind` tells which row is which; the columns another kind has are NULL. Ordered by
/// kind, call and `seq`, the order each kind was added in.
async fn child_rows(conn: &mut Conn, calls: &[Id], doc_of: Option<Id>) -> StoreResult<Vec<DbRow>> {
    let branches = [
        "SELECT 0 AS kind, call_id, seq, id, user_id, content, flagged, created_at, \
         updated_at, CAST(NULL AS TEXT) AS emoji, CAST(NULL AS TEXT) AS email, \
         CAST(NULL AS TEXT) AS doc FROM call_notes WHERE call_id IN (",
        " UNION ALL SELECT 1, call_id, seq, NULL, NULL, NULL, NULL, created, NULL, emoji, \
         email, NULL FROM call_ratings WHERE call_id IN (",
        " UNION ALL SELECT 2, call_id, seq, NULL, NULL, NULL, NULL, NULL, NULL, NULL, email, \
         NULL FROM call_views WHERE call_id IN (",
    ];
    let mut qb = QueryBuilder::new("");
    for branch in branches {
        qb.push(branch);
        let mut ids = qb.separated(", ");
        for id in calls {
            ids.push_bind(id.to_string());
        }
        qb.push(")");
    }
    if let (Some(org), [id]) = (doc_of, calls) {
        qb.push(
            " UNION ALL SELECT 3, id, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, doc \
             FROM calls WHERE id = ",
        )
        .push_bind(id.to_string())
        .push(" AND organization_id = ")
        .push_bind(org.to_string());
    }
    qb.push(" ORDER BY kind, call_id, seq");
    qb.build().fetch_all(&mut *conn).await.db()
}

/// Fills `notes` (oldest first), `ratings` and `viewed_by` (in the order they were added).
pub(crate) async fn load_children(conn: &mut Conn, calls: &mut [Call]) -> StoreResult<()> {
    if calls.is_empty() {
        return Ok(());
    }
    let ids: Vec<Id> = calls.iter().map(|c| c.id).collect();
    let rows = child_rows(conn, &ids, None).await?;
    fill_children(calls, rows)
}

fn fill_children(calls: &mut [Call], rows: Vec<DbRow>) -> StoreResult<()> {
    let index: HashMap<String, usize> = calls
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.to_string(), i))
        .collect();
    for row in rows {
        let id: String = get(&row, "call_id")?;
        let call = index
            .get(&id)
            .map(|&i| &mut calls[i])
            .ok_or_else(|| backend(format!("unexpected child of call {id}")))?;
        match get::<i32>(&row, "kind")? {
            NOTE => call.notes.push(Note {
                id: get_id(&row, "id")?,
                user_id: get(&row, "user_id")?,
                content: get(&row, "content")?,
                flagged: get(&row, "flagged")?,
                created_at: Timestamp::from_millis(get(&row, "created_at")?),
                updated_at: get::<Option<i64>>(&row, "updated_at")?.map(Timestamp::from_millis),
            }),
            RATING => call.ratings.push(Rating {
                emoji: get::<String>(&row, "emoji")?.parse().map_err(backend)?,
                email: get(&row, "email")?,
                created: Timestamp::from_millis(get(&row, "created_at")?),
            }),
            VIEW => call.viewed_by.push(get(&row, "email")?),
            other => return Err(backend(format!("unexpected row kind {other}"))),
        }
    }
    Ok(())
}

pub(crate) async fn get_call(store: &ThisStore, org: Id, id: Id) -> StoreResult<Call> {
    let mut conn = store.reader().acquire().await.db()?;
    load_call(&mut conn, org, id).await
}

pub(crate) async fn list_calls(
    store: &ThisStore,
    org: Id,
    query: &CallQuery,
) -> StoreResult<CallList> {
    let mut conn = store.reader().acquire().await.db()?;
    let (count, version) = count_matches(store, &mut conn, org, &query.filter).await?;
    if query.limit == 0 || (query.after.is_none() && query.skip >= count) {
        return Ok(CallList {
            calls: Vec::new(),
            count,
            last: None,
        });
    }
    let from_end = match version {
        Some(version) if query.after.is_none() && query.skip > count / 2 => {
            page_from_end(&mut conn, org, query, count, version).await?
        }
        _ => None,
    };
    let docs = match from_end {
        Some(docs) => docs,
        None => {
            let limit = u64::from(query.limit);
            page_docs(&mut conn, org, query, query.sort, query.skip, limit).await?
        }
    };
    let last = docs.last().map(|row| row.key);
    let mut calls = docs
        .iter()
        .map(|row| call_from_doc(&row.doc))
        .collect::<StoreResult<Vec<_>>>()?;
    load_children(&mut conn, &mut calls).await?;
    Ok(CallList { calls, count, last })
}

/// OFFSET walks every skipped row, so a page past the middle is read backwards from the
/// last match instead: the deepest page then costs what the first one does. That needs
/// `count` to describe the rows the page query saw, which an unchanged `calls_version`
/// proves; `None` when it moved meanwhile (read the page forwards then).
async fn page_from_end(
    conn: &mut Conn,
    org: Id,
    query: &CallQuery,
    count: u64,
    version: i64,
) -> StoreResult<Option<Vec<PageRow>>> {
    let limit = u64::from(query.limit).min(count - query.skip);
    let skip_from_end = count - query.skip - limit;
    let mut rows = page_docs(conn, org, query, reversed(query.sort), skip_from_end, limit).await?;
    if calls_version(conn, org).await? != version {
        return Ok(None);
    }
    rows.reverse();
    Ok(Some(rows))
}

/// A call's doc with its place in the order (`doc` keeps `created` to the second only).
struct PageRow {
    doc: String,
    key: CallKey,
}

/// The docs of one page of `query`, read in `sort` order.
async fn page_docs(
    conn: &mut Conn,
    org: Id,
    query: &CallQuery,
    sort: SortOrder,
    skip: u64,
    limit: u64,
) -> StoreResult<Vec<PageRow>> {
    let mut qb = QueryBuilder::new("SELECT c.doc, c.created_at, c.id FROM calls c");
    push_where(&mut qb, org, &query.filter);
    if let Some(after) = query.after {
        // "After in `sort`" is "before in the reverse order".
        push_before(&mut qb, reversed(sort), after.created.millis(), after.id);
    }
    qb.push(order_by(sort));
    qb.push(" LIMIT ")
        .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
    qb.push(" OFFSET ")
        .push_bind(i64::try_from(skip).unwrap_or(i64::MAX));
    let rows = qb.build().fetch_all(&mut *conn).await.db()?;
    rows.iter()
        .map(|row| {
            Ok(PageRow {
                doc: get(row, "doc")?,
                key: CallKey {
                    created: Timestamp::from_millis(get(row, "created_at")?),
                    id: get_id(row, "id")?,
                },
            })
        })
        .collect()
}

fn reversed(sort: SortOrder) -> SortOrder {
    match sort {
        SortOrder::Asc => SortOrder::Desc,
        SortOrder::Desc => SortOrder::Asc,
    }
}

/// How many of the organization's calls match, from the count cache when the backend has
/// one; then also the `calls_version` the count is valid for.
async fn count_matches(
    store: &ThisStore,
    conn: &mut Conn,
    org: Id,
    filter: &CallFilter,
) -> StoreResult<(u64, Option<i64>)> {
    let Some(cache) = store.count_cache() else {
        return Ok((count_now(conn, org, filter).await?, None));
    };
    let version = calls_version(conn, org).await?;
    let key = filter_key(filter);
    if let Some(count) = cache.get(org, &key, version) {
        return Ok((count, Some(version)));
    }
    let count = count_now(conn, org, filter).await?;
    cache.put(org, key, version, count);
    Ok((count, Some(version)))
}

/// Bumped by triggers on every change a call filter can see (SQLite only).
async fn calls_version(conn: &mut Conn, org: Id) -> StoreResult<i64> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT calls_version FROM organizations WHERE id = $1")
            .bind(org.to_string())
            .fetch_optional(&mut *conn)
            .await
            .db()?;
    Ok(version.unwrap_or_default())
}

async fn count_now(conn: &mut Conn, org: Id, filter: &CallFilter) -> StoreResult<u64> {
    let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM calls c");
    push_where(&mut qb, org, filter);
    let count: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await.db()?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(crate) async fn call_position(
    store: &ThisStore,
    org: Id,
    filter: &CallFilter,
    sort: SortOrder,
    call: Id,
) -> StoreResult<Option<u64>> {
    let mut conn = store.reader().acquire().await.db()?;
    let mut qb = QueryBuilder::new("SELECT c.created_at FROM calls c");
    push_where(&mut qb, org, filter);
    qb.push(" AND c.id = ").push_bind(call.to_string());
    let created: Option<i64> = qb
        .build_query_scalar()
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    let Some(created) = created else {
        return Ok(None);
    };

    let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM calls c");
    push_where(&mut qb, org, filter);
    push_before(&mut qb, sort, created, call);
    let before: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await.db()?;
    Ok(Some(u64::try_from(before).unwrap_or(0)))
}

/// Sorted bytewise in Rust, whatever the database's collation.
pub(crate) async fn call_tags(store: &ThisStore, org: Id) -> StoreResult<Vec<String>> {
    let mut tags: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT tag FROM call_tags WHERE organization_id = $1")
            .bind(org.to_string())
            .fetch_all(store.reader())
            .await
            .db()?;
    tags.sort();
    Ok(tags)
}

pub(crate) async fn status_counts(
    store: &ThisStore,
) -> StoreResult<Vec<(switchyard_core::lifecycle::CallStatus, u64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM calls GROUP BY status")
        .fetch_all(store.reader())
        .await
        .db()?;
    rows.iter()
        .map(|row| {
            let status: String = crate::support::get(row, "status")?;
            let count: i64 = crate::support::get(row, "n")?;
            Ok((status.parse().map_err(crate::support::backend)?, count as u64))
        })
        .collect()
}
