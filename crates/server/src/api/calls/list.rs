use super::query::CallQueryParams;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use switchyard_core::call::Call;

#[derive(Serialize)]
pub struct CallPage {
    calls: Vec<Call>,
    count: u64,
    limit: u32,
    offset: u64,
}

pub async fn list_calls(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<CallQueryParams>,
) -> ApiResult<Json<CallPage>> {
    let query = params.parse()?;
    let list = state
        .store
        .list_calls(caller.organization_id, &query)
        .await?;
    Ok(Json(CallPage {
        calls: list.calls,
        count: list.count,
        limit: query.limit,
        offset: query.skip,
    }))
}

#[derive(Serialize)]
pub struct CurrentPage {
    #[serde(rename = "currentPage")]
    current_page: u64,
}

/// The 1-based page that holds the call under the given filters, sort and limit.
pub async fn current_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<CallQueryParams>,
) -> ApiResult<Json<CurrentPage>> {
    let call_id = params.call_id()?;
    let query = params.parse()?;
    let position = state
        .store
        .call_position(caller.organization_id, &query.filter, query.sort, call_id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(
                "the call is not among the calls that match these filters".to_owned(),
            )
        })?;
    Ok(Json(CurrentPage {
        current_page: position / u64::from(query.limit) + 1,
    }))
}

pub async fn tags(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(state.store.call_tags(caller.organization_id).await?))
}
