use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathId;
use axum::Json;
use axum::extract::State;
use switchyard_core::call::Call;
use switchyard_core::enums::Role;
use switchyard_core::store::StoreError;
use switchyard_engine::recording_key;

pub async fn get_call(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Call>> {
    Ok(Json(
        state
            .store
            .get_call(caller.organization_id, id)
            .await
            .map_err(call_error)?,
    ))
}

/// Hangs up a live call: `In progress` ends `Completed`, `Initiated`/`Ringing` end `Canceled`.
pub async fn stop(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Representative)?;
    let call = state
        .engine
        .stop_call(caller.organization_id, id)
        .await
        .map_err(call_error)?;
    Ok(Json(call))
}

/// Cancels a call that has not been dialed yet (`Scheduled` or `Queued`).
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Representative)?;
    let call = state
        .engine
        .cancel_call(caller.organization_id, id)
        .await
        .map_err(call_error)?;
    Ok(Json(call))
}

pub async fn delete_call(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Owner)?;
    let org = caller.organization_id;
    let call = state.store.delete_call(org, id).await.map_err(call_error)?;
    // The row is gone first: a failure here leaves an orphan file, never a call whose
    // recording link breaks.
    if let Err(error) = state.blobs.delete(&recording_key(org, id)).await {
        tracing::warn!(%error, call_id = %id, "could not delete a deleted call's recording");
    }
    Ok(Json(call))
}

/// Store errors on a call, with a 404 that says "call".
pub fn call_error(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::not_found("call"),
        other => other.into(),
    }
}
