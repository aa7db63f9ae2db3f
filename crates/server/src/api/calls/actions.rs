use super::body::CallBody;
use crate::api::openapi::{BadRequest, Forbidden, Unauthorized};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::PathId;
use axum::Json;
use axum::extract::State;
use switchyard_core::CallId;
use switchyard_core::call::Call;
use switchyard_core::enums::Role;
use switchyard_core::id::kind;
use switchyard_core::store::StoreError;
use switchyard_engine::recording_key;

/// One call.
#[utoipa::path(
    get,
    path = "/calls/{id}",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The call", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
    )
)]
pub async fn get_call(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<CallBody> {
    Ok(CallBody(
        state
            .store
            .get_call_json(caller.organization_id, id)
            .await
            .map_err(call_error)?,
    ))
}

/// Hangs up a live call.
///
/// `In progress` ends `Completed`, `Initiated` and `Ringing` end `Canceled`, all with
/// `end_reason: stopped`. Representatives and Owners.
#[utoipa::path(
    post,
    path = "/calls/{id}/stop",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The stopped call", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 409, description = "The call is not live (`Initiated`, `Ringing` or `In progress`)", body = ErrorBody),
    )
)]
pub async fn stop(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<Json<Call>> {
    Ok(Json(stop_call(&state, &caller, id).await?))
}

/// Hangs up a live call through the engine (the API and the review app).
pub(crate) async fn stop_call(state: &AppState, caller: &Caller, id: CallId) -> ApiResult<Call> {
    caller.require(Role::Representative)?;
    state
        .engine
        .stop_call(caller.organization_id, id)
        .await
        .map_err(call_error)
}

/// Cancels a call that has not been dialed yet (`Scheduled` or `Queued`).
///
/// It ends `Canceled`. Representatives and Owners.
#[utoipa::path(
    post,
    path = "/calls/{id}/cancel",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The canceled call", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 409, description = "The call is no longer `Scheduled` or `Queued`", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<Json<Call>> {
    Ok(Json(cancel_call(&state, &caller, id).await?))
}

/// Cancels a call not dialed yet through the engine (the API and the review app).
pub(crate) async fn cancel_call(state: &AppState, caller: &Caller, id: CallId) -> ApiResult<Call> {
    caller.require(Role::Representative)?;
    state
        .engine
        .cancel_call(caller.organization_id, id)
        .await
        .map_err(call_error)
}

/// Deletes a call.
///
/// Its notes, transcript, logs and recording go with it. Owners only.
#[utoipa::path(
    delete,
    path = "/calls/{id}",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The deleted call", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 409, description = "The call is live: stop it first", body = ErrorBody),
    )
)]
pub async fn delete_call(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Call>,
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
        StoreError::NotFound(_) => ApiError::not_found("call"),
        other => other.into(),
    }
}
