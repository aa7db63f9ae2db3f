//! `/sandbox/scenarios`: what the simulated far end does (rules in the service's
//! `sandbox::scenarios`, how the engine plays them in docs/ENGINE.md).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, SandboxOff, Unprocessable};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_core::ScenarioId;
use switchyard_core::id::kind;
use switchyard_core::scenario::Scenario;
use switchyard_service::sandbox::scenarios::{self, ScenarioIn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(fetch, remove))
}

/// (sandbox) The organization's scenarios, oldest first.
#[utoipa::path(
    get,
    path = "/sandbox/scenarios",
    operation_id = "list_scenarios",
    tag = "Sandbox",
    responses(
        (status = 200, description = "The scenarios", body = Vec<Scenario>),
        (status = 404, response = SandboxOff),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Vec<Scenario>>> {
    Ok(Json(scenarios::list(&state.services, &caller).await?))
}

/// (sandbox) Creates a scenario: what the simulated far end does for the numbers it matches.
///
/// Calls placed from then on whose far-end number (the number called; the caller's, for an
/// inbound call) it matches follow it, before the built-in numbers. The most specific
/// match wins (an exact number, then the longest prefix, then the newest). Owners only.
#[utoipa::path(
    post,
    path = "/sandbox/scenarios",
    operation_id = "create_scenario",
    tag = "Sandbox",
    request_body = ScenarioIn,
    responses(
        (status = 200, description = "The created scenario", body = Scenario),
        (status = 403, response = Forbidden),
        (status = 404, response = SandboxOff),
        (status = 422, response = Unprocessable),
    )
)]
async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<ScenarioIn>,
) -> ApiResult<Json<Scenario>> {
    Ok(Json(
        scenarios::create(&state.services, &caller, body).await?,
    ))
}

/// (sandbox) One scenario.
#[utoipa::path(
    get,
    path = "/sandbox/scenarios/{id}",
    operation_id = "get_scenario",
    tag = "Sandbox",
    params(("id" = ScenarioId, Path, description = "The scenario's id")),
    responses(
        (status = 200, description = "The scenario", body = Scenario),
        (status = 404, description = "No such scenario in your organization, or no sandbox", body = ErrorBody),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Scenario>,
) -> ApiResult<Json<Scenario>> {
    Ok(Json(scenarios::get(&state.services, &caller, id).await?))
}

/// (sandbox) Deletes a scenario.
///
/// Calls already placed keep the far end it gave them. Owners only.
#[utoipa::path(
    delete,
    path = "/sandbox/scenarios/{id}",
    operation_id = "delete_scenario",
    tag = "Sandbox",
    params(("id" = ScenarioId, Path, description = "The scenario's id")),
    responses(
        (status = 200, description = "The deleted scenario", body = Scenario),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such scenario in your organization, or no sandbox", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Scenario>,
) -> ApiResult<Json<Scenario>> {
    Ok(Json(scenarios::delete(&state.services, &caller, id).await?))
}
