//! One call: read it, stop it, cancel it, delete it.

use super::body::CallBody;
use crate::api::auth::Authenticated;
use crate::api::openapi::Forbidden;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::PathId;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_core::CallId;
use switchyard_core::call::Call;
use switchyard_core::id::kind;
use switchyard_service::calls;

/// One call.
#[utoipa::path(
    get,
    path = "/calls/{id}",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The call", body = Call),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
    )
)]
pub async fn get_call(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<CallBody> {
    Ok(CallBody(calls::get(&state.services, &caller, id).await?))
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
        (status = 403, response = Forbidden),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 409, description = "The call is not live (`Initiated`, `Ringing` or `In progress`)", body = ErrorBody),
    )
)]
pub async fn stop(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<Json<Call>> {
    Ok(Json(calls::stop(&state.services, &caller, id).await?))
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
        (status = 403, response = Forbidden),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 409, description = "The call is no longer `Scheduled` or `Queued`", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<Json<Call>> {
    Ok(Json(calls::cancel(&state.services, &caller, id).await?))
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
        (status = 403, response = Forbidden),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 409, description = "The call is live: stop it first", body = ErrorBody),
    )
)]
pub async fn delete_call(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<Json<Call>> {
    Ok(Json(calls::delete(&state.services, &caller, id).await?))
}
