//! Listing calls: a page, the page that holds a call, the tags in use.

use crate::api::auth::Authenticated;
use crate::api::openapi::Unprocessable;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchyard_core::CallId;
use switchyard_core::call::Call;
use switchyard_core::call_json::CallJson;
use switchyard_service::calls::{self, cursor::CursorParams, query::CallQueryParams};

/// A page of calls.
#[derive(utoipa::ToSchema)]
pub struct CallPage {
    #[schema(value_type = Vec<Call>)]
    calls: Vec<CallJson>,
    /// How many calls match the filters, on every page.
    count: u64,
    /// The page size used.
    limit: u32,
    /// The calls skipped before this page.
    offset: u64,
    /// **(Extension)** Only when the request sent `cursor`: the `cursor` of the next page,
    /// or null after the last one.
    #[schema(value_type = Option<String>, nullable)]
    next_cursor: Option<Option<String>>,
}

/// The page's fields after `calls`, which go first and as they are (`body.rs`).
#[derive(Serialize)]
struct PageFacts<'a> {
    count: u64,
    limit: u32,
    offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: &'a Option<Option<String>>,
}

impl IntoResponse for CallPage {
    fn into_response(self) -> Response {
        let facts = PageFacts {
            count: self.count,
            limit: self.limit,
            offset: self.offset,
            next_cursor: &self.next_cursor,
        };
        super::body::page_body(&self.calls, &facts)
    }
}

/// The organization's calls, filtered, sorted and paged.
#[utoipa::path(
    get,
    path = "/calls",
    tag = "Calls",
    params(CallQueryParams, CursorParams),
    responses(
        (status = 200, description = "The page", body = CallPage),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn list_calls(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiQuery(params): ApiQuery<CallQueryParams>,
    ApiQuery(cursor): ApiQuery<CursorParams>,
) -> ApiResult<CallPage> {
    let page = calls::list(&state.services, &caller, &params, &cursor).await?;
    Ok(CallPage {
        calls: page.calls,
        count: page.count,
        limit: page.limit,
        offset: page.offset,
        next_cursor: page.next_cursor,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CurrentPage {
    /// 1-based.
    #[serde(rename = "currentPage")]
    #[schema(minimum = 1)]
    current_page: u64,
}

/// The 1-based page that holds the call under the given filters, sort and limit.
#[utoipa::path(
    get,
    path = "/calls/current-page",
    tag = "Calls",
    params(
        ("callId" = CallId, Query, description = "The call to locate (also accepted as `call_id`)"),
        CallQueryParams,
    ),
    responses(
        (status = 200, description = "The page that holds the call", body = CurrentPage),
        (status = 404, description = "The call is not among the calls that match the filters", body = ErrorBody),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn current_page(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiQuery(params): ApiQuery<CallQueryParams>,
) -> ApiResult<Json<CurrentPage>> {
    let current_page = calls::current_page(&state.services, &caller, &params).await?;
    Ok(Json(CurrentPage { current_page }))
}

/// Every tag used on the organization's calls, sorted.
#[utoipa::path(
    get,
    path = "/calls/tags",
    operation_id = "list_tags",
    tag = "Calls",
    responses(
        (status = 200, description = "The tags", body = Vec<String>),
    )
)]
pub async fn tags(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(calls::tags(&state.services, &caller).await?))
}
