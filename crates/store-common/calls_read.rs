// Reading calls: one call, a filtered page, a position, the tag list. A Call is its `doc`
// plus its child rows (notes, ratings, views), which are loaded for a whole page at once.
// The SQL builders and row decoders here are also what the SQLite store's direct reads run
// (crates/store-sqlite/src/reads.rs); the async functions are the sqlx path (PostgreSQL,
// and SQLite inside write transactions).

use crate::{Backend, ThisStore};
use crate::call_filters::{SearchBy, SqlSink, order_by, push_before, push_where_by};
use crate::support::{Conn, DbRow, OrBackend, backend, get};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use switchyard_core::call::{Call, Note, Rating};
use switchyard_core::call_json::{CallChildren, ChildPlaces, FromStored};
use switchyard_core::enums::SortOrder;
use switchyard_core::store::{StoreError, StoreResult};
use switchyard_core::call_query::{CallFilter, CallKey, CallQuery};
use switchyard_core::Timestamp;
use switchyard_core::id::{CallId, Entity, Id, Kind, OrgId};

/// The columns of a result row, whichever library fetched it.
pub(crate) trait Columns {
    fn text(&self, column: &str) -> StoreResult<Option<String>>;
    fn int(&self, column: &str) -> StoreResult<Option<i64>>;
    fn boolean(&self, column: &str) -> StoreResult<bool>;
}

/// A row sqlx fetched, read by the shared decoders.
pub(crate) struct SqlxRow<'r>(pub(crate) &'r DbRow);

impl Columns for SqlxRow<'_> {
    fn text(&self, column: &str) -> StoreResult<Option<String>> {
        get(self.0, column)
    }

    fn int(&self, column: &str) -> StoreResult<Option<i64>> {
        get(self.0, column)
    }

    fn boolean(&self, column: &str) -> StoreResult<bool> {
        get(self.0, column)
    }
}

/// Every row of `rows`, decoded.
pub(crate) fn decode_all<T>(
    rows: &[DbRow],
    decode: impl Fn(&SqlxRow<'_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    rows.iter().map(|row| decode(&SqlxRow(row))).collect()
}

fn not_null<T>(value: Option<T>, column: &str) -> StoreResult<T> {
    value.ok_or_else(|| backend(format!("column {column} is NULL")))
}

pub(crate) fn text_of(row: &impl Columns, column: &str) -> StoreResult<String> {
    not_null(row.text(column)?, column)
}

pub(crate) fn int_of(row: &impl Columns, column: &str) -> StoreResult<i64> {
    not_null(row.int(column)?, column)
}

pub(crate) fn id_of<K: Kind>(row: &impl Columns, column: &str) -> StoreResult<Id<K>> {
    text_of(row, column)?.parse().map_err(backend)
}

/// The call with its children, in one round trip; `NotFound` if it is not the organization's.
pub(crate) async fn load_call(conn: &mut Conn, org: OrgId, id: CallId) -> StoreResult<Call> {
    load_stored(conn, org, id).await
}

/// As `load_call`, as a `Call` or its wire JSON.
pub(crate) async fn load_stored<C: FromStored>(conn: &mut Conn, org: OrgId, id: CallId) -> StoreResult<C> {
    let mut qb = QueryBuilder::new("");
    push_child_rows(&mut qb, &[id], Some(org));
    let rows = qb.build().fetch_all(&mut *conn).await.db()?;
    call_from_parts(id, decode_all(&rows, |row| part_of(row))?)
}

/// The kinds of row `push_child_rows` selects, in this order.
const NOTE: i64 = 0;
const RATING: i64 = 1;
const VIEW: i64 = 2;
const DOC: i64 = 3;

/// One row of `push_child_rows`'s result: a part of the call `call_id`, the `seq`-th of
/// its kind.
pub(crate) struct ChildRow {
    call_id: String,
    seq: i64,
    part: Part,
}

pub(crate) enum Part {
    Note(Note),
    Rating(Rating),
    View(String),
    Doc(String, Option<ChildPlaces>),
}

/// Every note, rating and view of `calls` in one result set (one round trip instead of
/// three), then, with `doc_of`, the call's own doc if it is that organization's (one call).
/// `kind` tells which row is which; the columns another kind has are NULL. In no order:
/// `children_of` puts each kind in `seq` order, the order it was added in (sorting a few
/// rows in Rust costs less than the temporary B-tree SQLite sorts each branch in).
///
/// `calls` is not empty. One call's children are found with `call_id = ?`. A page's ids
/// are bound once, as the rows of a CTE that each branch joins: as an `IN (...)` list in
/// each branch, SQLite built a temporary index of the 50 ids three times, a tenth of a
/// page's instructions (bench/README.md).
pub(crate) fn push_child_rows(qb: &mut impl SqlSink, calls: &[CallId], doc_of: Option<OrgId>) {
    let one = match calls {
        [id] => Some(id.to_string()),
        _ => {
            qb.push("WITH page_calls (call_id) AS (VALUES ");
            for (i, id) in calls.iter().enumerate() {
                qb.push(if i == 0 { "(" } else { ", (" })
                    .push_bind(id.to_string())
                    .push(")");
            }
            qb.push(") ");
            None
        }
    };
    let one = one.as_deref();
    let branches = [
        "SELECT CAST(0 AS BIGINT) AS kind, call_id, seq, id, user_id, content, flagged, \
         created_at, updated_at, CAST(NULL AS TEXT) AS emoji, CAST(NULL AS TEXT) AS email, \
         CAST(NULL AS TEXT) AS doc, CAST(NULL AS TEXT) AS doc_child_places FROM ",
        " UNION ALL SELECT 1, call_id, seq, NULL, NULL, NULL, NULL, created, NULL, emoji, \
         email, NULL, NULL FROM ",
        " UNION ALL SELECT 2, call_id, seq, NULL, NULL, NULL, NULL, NULL, NULL, NULL, email, \
         NULL, NULL FROM ",
    ];
    for (branch, table) in branches.into_iter().zip(["call_notes", "call_ratings", "call_views"]) {
        qb.push(branch).push(table);
        match one {
            Some(id) => qb.push(" WHERE call_id = ").push_bind(id),
            None => qb.push(" JOIN page_calls USING (call_id)"),
        };
    }
    if let (Some(org), Some(id)) = (doc_of, one) {
        qb.push(
            " UNION ALL SELECT 3, id, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, doc, \
             doc_child_places FROM calls WHERE id = ",
        )
        .push_bind(id)
        .push(" AND organization_id = ")
        .push_bind(org.to_string());
    }
}

pub(crate) fn part_of(row: &impl Columns) -> StoreResult<ChildRow> {
    let part = match int_of(row, "kind")? {
        NOTE => Part::Note(Note {
            id: id_of(row, "id")?,
            user_id: text_of(row, "user_id")?,
            content: text_of(row, "content")?,
            flagged: row.boolean("flagged")?,
            created_at: Timestamp::from_millis(int_of(row, "created_at")?),
            updated_at: row.int("updated_at")?.map(Timestamp::from_millis),
        }),
        RATING => Part::Rating(Rating {
            emoji: text_of(row, "emoji")?.parse().map_err(backend)?,
            email: text_of(row, "email")?,
            created: Timestamp::from_millis(int_of(row, "created_at")?),
        }),
        VIEW => Part::View(text_of(row, "email")?),
        DOC => Part::Doc(text_of(row, "doc")?, child_places(row)?),
        other => return Err(backend(format!("unexpected row kind {other}"))),
    };
    Ok(ChildRow {
        call_id: text_of(row, "call_id")?,
        seq: int_of(row, "seq")?,
        part,
    })
}

/// The call of `push_child_rows(.., [id], Some(org))`: without its doc the call is not the
/// organization's.
pub(crate) fn call_from_parts<C: FromStored>(id: CallId, mut rows: Vec<ChildRow>) -> StoreResult<C> {
    let doc_at = rows.iter().position(|row| matches!(row.part, Part::Doc(..)));
    let Some(ChildRow {
        part: Part::Doc(doc, places),
        ..
    }) = doc_at.map(|at| rows.swap_remove(at))
    else {
        return Err(StoreError::NotFound(Entity::Call));
    };
    let children = children_of(&[id], rows)?.pop().unwrap_or_default();
    from_stored(&doc, places, children)
}

fn from_stored<C: FromStored>(
    doc: &str,
    places: Option<ChildPlaces>,
    children: CallChildren,
) -> StoreResult<C> {
    C::from_stored(doc, places, children).map_err(backend)
}

/// A row's `doc_child_places`; none for a doc written before they were kept.
fn child_places(row: &impl Columns) -> StoreResult<Option<ChildPlaces>> {
    Ok(row
        .text("doc_child_places")?
        .as_deref()
        .and_then(ChildPlaces::from_column))
}

/// Fills `notes` (oldest first), `ratings` and `viewed_by` (in the order they were added).
pub(crate) async fn load_children(conn: &mut Conn, calls: &mut [Call]) -> StoreResult<()> {
    if calls.is_empty() {
        return Ok(());
    }
    let ids: Vec<CallId> = calls.iter().map(|c| c.id).collect();
    let mut qb = QueryBuilder::new("");
    push_child_rows(&mut qb, &ids, None);
    let rows = qb.build().fetch_all(&mut *conn).await.db()?;
    let children = children_of(&ids, decode_all(&rows, |row| part_of(row))?)?;
    for (call, children) in calls.iter_mut().zip(children) {
        call.notes = children.notes;
        call.ratings = children.ratings;
        call.viewed_by = children.viewed_by;
    }
    Ok(())
}

/// The children among `rows` of each of `ids`, in that order.
fn children_of(ids: &[CallId], mut rows: Vec<ChildRow>) -> StoreResult<Vec<CallChildren>> {
    // Kinds go to lists of their own: only the order within a kind matters.
    rows.sort_by_key(|row| row.seq);
    let index: HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.to_string(), i))
        .collect();
    let mut children = vec![CallChildren::default(); ids.len()];
    for ChildRow { call_id: id, part, .. } in rows {
        let call = index
            .get(&id)
            .map(|&i| &mut children[i])
            .ok_or_else(|| backend(format!("unexpected child of call {id}")))?;
        match part {
            Part::Note(note) => call.notes.push(note),
            Part::Rating(rating) => call.ratings.push(rating),
            Part::View(email) => call.viewed_by.push(email),
            Part::Doc(..) => return Err(backend(format!("unexpected doc of call {id}"))),
        }
    }
    Ok(children)
}

/// A call's doc with its place in the order (`doc` keeps `created` to the second only).
pub(crate) struct PageRow {
    pub(crate) doc: String,
    pub(crate) places: Option<ChildPlaces>,
    pub(crate) key: CallKey,
}

/// `SELECT doc, doc_child_places, created_at, id` of one page of `query`, read in `sort`
/// order with its `search` found `by` the given means; the rows come in any order
/// (`in_order` sorts them).
pub(crate) fn push_page(
    qb: &mut impl SqlSink,
    org: OrgId,
    query: &CallQuery,
    sort: SortOrder,
    skip: u64,
    limit: u64,
    by: SearchBy,
) {
    let several_statuses = query.filter.statuses.len() > 1;
    let keyed = <ThisStore as Backend>::STATUS_WALKS_FETCH_BY
        .filter(|_| several_statuses || (by == SearchBy::TrigramsFirst && query.filter.search.is_some()));
    if let Some(row_key) = keyed {
        return push_keyed_page(qb, org, query, sort, (skip, limit), row_key, by);
    }
    qb.push("SELECT c.doc, c.doc_child_places, c.created_at, c.id FROM calls c");
    push_where_by(qb, org, &query.filter, by);
    push_after(qb, query, sort);
    qb.push(order_by(sort));
    push_limit(qb, skip, limit);
}

/// A page whose keys are found first and its calls then fetched by `row_key`, not sorted
/// again in SQL: SQLite would copy their docs into a temporary B-tree to do it, a sixth of
/// the page's instructions (`in_order` sorts keys). Two pages need it:
/// * several statuses: merged from one ordered walk of the `calls_status` index per
///   status. As one `status IN (..)` scan of the organization's calls in date order it
///   would step over every call in another status, and the newest calls of a busy
///   organization are often thousands of Scheduled ones (bench/README.md). SQLite merges
///   the ordered arms of a compound SELECT with an ORDER BY lazily, so the walk stops
///   after `skip + limit` keys. (PostgreSQL appends the arms and sorts all their matches
///   instead, so it keeps the single walk: `STATUS_WALKS_FETCH_BY`.)
/// * a search led by the trigram index (`TrigramsFirst`): all its matches are sorted, on
///   their keys only.
fn push_keyed_page(
    qb: &mut impl SqlSink,
    org: OrgId,
    query: &CallQuery,
    sort: SortOrder,
    (skip, limit): (u64, u64),
    row_key: &str,
    by: SearchBy,
) {
    let arms: Vec<CallFilter> = match query.filter.statuses.as_slice() {
        [_, _, ..] => query
            .filter
            .statuses
            .iter()
            .map(|status| CallFilter {
                statuses: vec![*status],
                ..query.filter.clone()
            })
            .collect(),
        _ => vec![query.filter.clone()],
    };
    qb.push("SELECT c.doc, c.doc_child_places, c.created_at, c.id FROM (");
    for (i, arm) in arms.iter().enumerate() {
        if i > 0 {
            qb.push(" UNION ALL ");
        }
        qb.push("SELECT c.created_at AS created_at, c.id AS id, c.")
            .push(row_key)
            .push(" AS row_key FROM calls c");
        push_where_by(qb, org, arm, by);
        push_after(qb, query, sort);
    }
    qb.push(match sort {
        SortOrder::Asc => " ORDER BY created_at ASC, id ASC",
        SortOrder::Desc => " ORDER BY created_at DESC, id DESC",
    });
    push_limit(qb, skip, limit);
    qb.push(") k JOIN calls c ON c.")
        .push(row_key)
        .push(" = k.row_key");
}

/// Keyset paging: "after in `sort`" is "before in the reverse order".
fn push_after(qb: &mut impl SqlSink, query: &CallQuery, sort: SortOrder) {
    if let Some(after) = query.after {
        push_before(qb, reversed(sort), after.created.millis(), after.id);
    }
}

fn push_limit(qb: &mut impl SqlSink, skip: u64, limit: u64) {
    qb.push(" LIMIT ")
        .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
    qb.push(" OFFSET ")
        .push_bind(i64::try_from(skip).unwrap_or(i64::MAX));
}

/// A page's rows in `sort` order (one pass over rows SQL already ordered: the sort is a
/// merge sort that finds them in one run).
pub(crate) fn in_order(mut rows: Vec<PageRow>, sort: SortOrder) -> Vec<PageRow> {
    rows.sort_by(|a, b| {
        let ascending = (a.key.created, a.key.id).cmp(&(b.key.created, b.key.id));
        match sort {
            SortOrder::Asc => ascending,
            SortOrder::Desc => ascending.reverse(),
        }
    });
    rows
}

pub(crate) fn page_row(row: &impl Columns) -> StoreResult<PageRow> {
    Ok(PageRow {
        doc: text_of(row, "doc")?,
        places: child_places(row)?,
        key: CallKey {
            created: Timestamp::from_millis(int_of(row, "created_at")?),
            id: id_of(row, "id")?,
        },
    })
}

/// The ids of a page's calls, for `push_child_rows`.
pub(crate) fn page_ids(rows: &[PageRow]) -> Vec<CallId> {
    rows.iter().map(|row| row.key.id).collect()
}

/// The page's calls, with their children: `parts` from `push_child_rows(page_ids(rows))`.
pub(crate) fn calls_of<C: FromStored>(
    rows: &[PageRow],
    parts: Vec<ChildRow>,
) -> StoreResult<Vec<C>> {
    let children = children_of(&page_ids(rows), parts)?;
    rows.iter()
        .zip(children)
        .map(|(row, children)| from_stored(&row.doc, row.places, children))
        .collect()
}

/// `SELECT COUNT(*)` of the organization's calls that match `filter`, its `search` found
/// `by` the given means.
pub(crate) fn push_count(qb: &mut impl SqlSink, org: OrgId, filter: &CallFilter, by: SearchBy) {
    qb.push("SELECT COUNT(*) FROM calls c");
    push_where_by(qb, org, filter, by);
}

pub(crate) fn reversed(sort: SortOrder) -> SortOrder {
    match sort {
        SortOrder::Asc => SortOrder::Desc,
        SortOrder::Desc => SortOrder::Asc,
    }
}

