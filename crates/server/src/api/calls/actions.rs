use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathId;
use axum::Json;
use axum::extract::State;
use switchyard_core::call::Call;
use switchyard_core::enums::Role;
use switchyard_core::lifecycle::CallEvent;
use switchyard_core::store::StoreError;

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
    transition(&state, &caller, id, CallEvent::Stop).await
}

/// Cancels a call that has not been dialed yet (`Scheduled` or `Queued`).
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Representative)?;
    transition(&state, &caller, id, CallEvent::Cancel).await
}

pub async fn delete_call(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Owner)?;
    Ok(Json(
        state
            .store
            .delete_call(caller.organization_id, id)
            .await
            .map_err(call_error)?,
    ))
}

async fn transition(
    state: &AppState,
    caller: &Caller,
    id: switchyard_core::Id,
    event: CallEvent,
) -> ApiResult<Json<Call>> {
    let call = state
        .store
        .transition_call(caller.organization_id, id, event)
        .await
        .map_err(call_error)?;
    Ok(Json(call))
}

/// Store errors on a call, with a 404 that says "call".
pub fn call_error(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::not_found("call"),
        other => other.into(),
    }
}
