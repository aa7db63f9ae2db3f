//! `POST /sim/inbound` (extension): a simulated inbound call to one of the caller's
//! numbers, as `switchyard sim inbound` places it from the command line.

use crate::api::auth::Authenticated;
use crate::api::openapi::Forbidden;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchyard_core::call::Call;
use switchyard_service::sim;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(inbound))
}

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
        (status = 403, response = Forbidden),
        (status = 422, description = "`to` is not one of the organization's numbers (or has no use case), or `from` is not E.164", body = ErrorBody),
    )
)]
async fn inbound(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<InboundCall>,
) -> ApiResult<Json<Call>> {
    Ok(Json(
        sim::inbound(&state.services, &caller, &body.to, &body.from).await?,
    ))
}
