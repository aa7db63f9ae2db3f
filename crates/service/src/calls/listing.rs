//! Listing calls: a page under filters, the page that holds a call, and the tags in use.

use super::cursor::CursorParams;
use super::query::CallQueryParams;
use crate::auth::Caller;
use crate::{ServiceError, ServiceResult, Services};
use switchyard_core::CallId;
use switchyard_core::call_json::CallJson;
use switchyard_core::call_query::CallList;
use switchyard_core::enums::SortOrder;

/// A page of calls, as their wire JSON, with what describes it.
pub struct CallPage {
    pub calls: Vec<CallJson>,
    /// How many calls match the filters, on every page.
    pub count: u64,
    /// The page size used.
    pub limit: u32,
    /// The calls skipped before this page.
    pub offset: u64,
    /// Only when the request sent `cursor`: the `cursor` of the next page, or `None` after
    /// the last one.
    pub next_cursor: Option<Option<String>>,
}

/// The organization's calls, filtered, sorted and paged (by `skip`, or by `cursor`).
pub async fn list(
    services: &Services,
    caller: &Caller,
    params: &CallQueryParams,
    cursor: &CursorParams,
) -> ServiceResult<CallPage> {
    let mut query = params.parse()?;
    let cursor = cursor.apply(&mut query)?;
    let list = services
        .store
        .list_calls_json(caller.organization_id, &query)
        .await?;
    let next_cursor = cursor.as_ref().map(|c| c.next(&list, query.limit));
    Ok(CallPage {
        offset: cursor.map_or(query.skip, |c| c.offset),
        next_cursor,
        calls: list.calls,
        count: list.count,
        limit: query.limit,
    })
}

/// A page of calls under the filters of `params` (`skip`, no cursor), decoded (the review
/// app's list).
pub async fn list_decoded(
    services: &Services,
    caller: &Caller,
    params: &CallQueryParams,
) -> ServiceResult<CallList> {
    let query = params.parse()?;
    Ok(services
        .store
        .list_calls(caller.organization_id, &query)
        .await?)
}

/// The 1-based page that holds the call (`callId`) under the filters, sort and limit.
pub async fn current_page(
    services: &Services,
    caller: &Caller,
    params: &CallQueryParams,
) -> ServiceResult<u64> {
    let call_id = params.call_id()?;
    let query = params.parse()?;
    let position = services
        .store
        .call_position(caller.organization_id, &query.filter, query.sort, call_id)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound(
                "the call is not among the calls that match these filters".to_owned(),
            )
        })?;
    Ok(position / u64::from(query.limit) + 1)
}

/// The calls just before and just after `call` in the listing under `params` (filters and
/// sort): what a reviewer steps to from a call. Each is a keyset read of one call, from the
/// call's stored key.
pub async fn neighbours(
    services: &Services,
    caller: &Caller,
    params: &CallQueryParams,
    call: CallId,
) -> ServiceResult<(Option<CallId>, Option<CallId>)> {
    let org = caller.organization_id;
    let Some(key) = services.store.call_key(org, call).await? else {
        return Err(ServiceError::not_found("call"));
    };
    let mut query = params.parse()?;
    query.limit = 1;
    query.skip = 0;
    query.after = Some(key);
    let next = services.store.list_calls(org, &query).await?;
    query.sort = match query.sort {
        SortOrder::Asc => SortOrder::Desc,
        SortOrder::Desc => SortOrder::Asc,
    };
    let previous = services.store.list_calls(org, &query).await?;
    let first = |list: CallList| list.calls.first().map(|call| call.id);
    Ok((first(previous), first(next)))
}

/// Every tag used on the organization's calls, sorted.
pub async fn tags(services: &Services, caller: &Caller) -> ServiceResult<Vec<String>> {
    Ok(services.store.call_tags(caller.organization_id).await?)
}
