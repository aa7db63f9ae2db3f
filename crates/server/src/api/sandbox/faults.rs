//! `/sandbox/faults`: faults injected into the organization's webhooks (rules in the
//! service's `sandbox::faults`).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, SandboxOff, Unprocessable};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_service::sandbox::faults::{self, Faults, FaultsIn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_faults, set_faults, clear_faults))
}

/// (sandbox) The faults injected into the organization's webhooks (none by default).
#[utoipa::path(
    get,
    path = "/sandbox/faults",
    tag = "Sandbox",
    responses(
        (status = 200, description = "The organization's faults", body = Faults),
        (status = 404, response = SandboxOff),
    )
)]
async fn get_faults(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Faults>> {
    Ok(Json(faults::get(&state.services, &caller).await?))
}

/// (sandbox) Injects faults into the organization's webhook deliveries.
///
/// `duplicate` sends that share of deliveries twice under the same `webhook-id`,
/// `delay_ms` holds each delivery's first attempt back that long on the organization's
/// clock, `reorder` sends a call's `start` after its `end` has been attempted. They replace
/// the organization's faults (a field left out is off) and apply to events from then on.
/// Owners only.
#[utoipa::path(
    post,
    path = "/sandbox/faults",
    tag = "Sandbox",
    request_body = FaultsIn,
    responses(
        (status = 200, description = "The faults as stored", body = Faults),
        (status = 403, response = Forbidden),
        (status = 404, response = SandboxOff),
        (status = 422, response = Unprocessable),
    )
)]
async fn set_faults(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<FaultsIn>,
) -> ApiResult<Json<Faults>> {
    Ok(Json(faults::set(&state.services, &caller, body).await?))
}

/// (sandbox) Clears the organization's webhook faults. Owners only.
#[utoipa::path(
    delete,
    path = "/sandbox/faults",
    tag = "Sandbox",
    responses(
        (status = 200, description = "No faults", body = Faults),
        (status = 403, response = Forbidden),
        (status = 404, response = SandboxOff),
    )
)]
async fn clear_faults(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Faults>> {
    Ok(Json(faults::clear(&state.services, &caller).await?))
}
