//! `/sandbox/clock`: the organization's test clock (rules in the service's
//! `sandbox::clock`).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, SandboxOff, Unprocessable};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchyard_service::sandbox::clock::{self, AdvanceRequest, Advanced, ClockState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_clock, freeze, thaw))
        .routes(routes!(advance))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Freeze {
    /// The instant to freeze the organization's clock at (RFC 3339); not earlier than its
    /// current time.
    #[schema(format = DateTime)]
    now: String,
}

/// (sandbox) The organization's time, and whether its clock is frozen.
#[utoipa::path(
    get,
    path = "/sandbox/clock",
    tag = "Sandbox",
    responses(
        (status = 200, description = "The organization's clock", body = ClockState),
        (status = 404, response = SandboxOff),
    )
)]
async fn get_clock(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<ClockState>> {
    Ok(Json(clock::get(&state.services, &caller).await?))
}

/// (sandbox) Freezes the organization's clock at an instant.
///
/// From then on every timestamp the organization's objects get comes from this clock, and
/// the engine runs what falls due for it only when the clock is advanced. Other
/// organizations are untouched. Owners only.
#[utoipa::path(
    post,
    path = "/sandbox/clock",
    tag = "Sandbox",
    request_body = Freeze,
    responses(
        (status = 200, description = "The frozen clock", body = ClockState),
        (status = 403, response = Forbidden),
        (status = 404, response = SandboxOff),
        (status = 422, response = Unprocessable),
    )
)]
async fn freeze(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<Freeze>,
) -> ApiResult<Json<ClockState>> {
    Ok(Json(
        clock::freeze(&state.services, &caller, &body.now).await?,
    ))
}

/// (sandbox) Moves the organization's clock forward, running everything due on the way.
///
/// `{"seconds": n}` or `{"to": RFC 3339}`. Answers once everything due up to the new time
/// has run, in order: scheduled campaigns, working hours opening, retries, the simulated
/// calls themselves, maximum durations, webhook deliveries and their retries, export
/// retention. A clock on real time is frozen first. Owners only.
#[utoipa::path(
    post,
    path = "/sandbox/clock/advance",
    tag = "Sandbox",
    request_body = AdvanceRequest,
    responses(
        (status = 200, description = "The clock afterwards, and what ran", body = Advanced),
        (status = 403, response = Forbidden),
        (status = 404, response = SandboxOff),
        (status = 422, response = Unprocessable),
    )
)]
async fn advance(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<AdvanceRequest>,
) -> ApiResult<Json<Advanced>> {
    Ok(Json(clock::advance(&state.services, &caller, &body).await?))
}

/// (sandbox) Returns the organization to real time.
///
/// What is due by real time then runs as usual. Owners only.
#[utoipa::path(
    delete,
    path = "/sandbox/clock",
    tag = "Sandbox",
    responses(
        (status = 200, description = "The clock, on real time", body = ClockState),
        (status = 403, response = Forbidden),
        (status = 404, response = SandboxOff),
    )
)]
async fn thaw(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<ClockState>> {
    Ok(Json(clock::thaw(&state.services, &caller).await?))
}
