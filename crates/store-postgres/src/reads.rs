//! The reads every API request makes (its key, a call, a page of calls), through sqlx. The
//! SQL and row decoding are shared with the SQLite store, which runs them its own way.

use crate::call_filters::SearchBy;
use crate::calls_read::{
    SqlxRow, calls_of, decode_all, in_order, load_stored, page_ids, page_row, part_of,
    push_child_rows, push_count, push_page,
};
use crate::orgs_keys::{FIND_KEY, key_owner_of};
use crate::support::OrBackend;
use crate::{Backend, ThisStore};
use sqlx::QueryBuilder;
use switchyard_core::auth::KeyOwner;
use switchyard_core::call_json::FromStored;
use switchyard_core::call_query::{CallList, CallQuery};
use switchyard_core::id::{CallId, OrgId};
use switchyard_core::store::StoreResult;

pub(crate) async fn find_api_key(store: &ThisStore, prefix: &str) -> StoreResult<Option<KeyOwner>> {
    let row = sqlx::query(FIND_KEY)
        .bind(prefix)
        .fetch_optional(store.reader())
        .await
        .db()?;
    row.as_ref()
        .map(|row| key_owner_of(&SqlxRow(row)))
        .transpose()
}

pub(crate) async fn get_call<C: FromStored>(
    store: &ThisStore,
    org: OrgId,
    id: CallId,
) -> StoreResult<C> {
    let mut conn = store.reader().acquire().await.db()?;
    load_stored(&mut conn, org, id).await
}

/// Counts every time: a per-organization version row, as SQLite keeps for its count cache,
/// would serialize writers that otherwise run side by side (see migration 0005).
pub(crate) async fn list_calls<C: FromStored>(
    store: &ThisStore,
    org: OrgId,
    query: &CallQuery,
) -> StoreResult<CallList<C>> {
    let mut conn = store.reader().acquire().await.db()?;
    let mut qb = QueryBuilder::new("");
    push_count(&mut qb, org, &query.filter, SearchBy::Scan);
    let count: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await.db()?;
    let count = u64::try_from(count).unwrap_or(0);
    if query.limit == 0 || (query.after.is_none() && query.skip >= count) {
        return Ok(CallList::empty(count));
    }
    let mut qb = QueryBuilder::new("");
    let limit = u64::from(query.limit);
    push_page(
        &mut qb,
        org,
        query,
        query.sort,
        query.skip,
        limit,
        SearchBy::Scan,
    );
    let rows = qb.build().fetch_all(&mut *conn).await.db()?;
    let rows = in_order(decode_all(&rows, |row| page_row(row))?, query.sort);
    if rows.is_empty() {
        return Ok(CallList::empty(count));
    }
    let mut qb = QueryBuilder::new("");
    push_child_rows(&mut qb, &page_ids(&rows), None);
    let children = qb.build().fetch_all(&mut *conn).await.db()?;
    Ok(CallList {
        calls: calls_of(&rows, decode_all(&children, |row| part_of(row))?)?,
        count,
        last: rows.last().map(|row| row.key),
    })
}
