//! `POST /sim/inbound` (extension): a simulated inbound call to one of the caller's
//! numbers, as `switchyard sim inbound` places it from the command line.

use crate::api::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use switchyard_core::call::Call;
use switchyard_core::enums::Role;

pub fn routes() -> Router<AppState> {
    Router::new().route("/sim/inbound", post(inbound))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(inbound))]
pub struct Doc;

#[derive(Deserialize, utoipa::ToSchema)]
struct InboundCall {
    /// One of the organization's numbers, E.164.
    to: String,
    /// The caller, E.164.
    from: String,
}

/// (extension) A simulated inbound call to one of the organization's numbers.
///
/// Routed like the network would (the number's use case, an agent and prompt drawn from its
/// routes) and answered by the engine. Representatives and Owners.
#[utoipa::path(
    post,
    path = "/sim/inbound",
    tag = "Simulation",
    request_body = InboundCall,
    responses(
        (status = 200, description = "The inbound call, `Queued`", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "`to` is not one of the organization's numbers (or has no use case), or `from` is not E.164", body = ErrorBody),
    )
)]
async fn inbound(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<InboundCall>,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Representative)?;
    let number = crate::sim::find_number(state.store.as_ref(), &body.to).await?;
    // Another organization's number is as unknown as one that does not exist.
    if number.organization_id != caller.organization_id {
        return Err(ApiError::invalid_field(
            "to",
            format!("{} is not a number of any organization", body.to),
        ));
    }
    let call =
        crate::sim::ring(state.store.as_ref(), &number, &body.from, state.clock.now()).await?;
    state.engine.wake();
    Ok(Json(call))
}
