//! Agents: everyone reads, Owners write (the rules are the service's, `agents`).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, Unprocessable};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_core::AgentId;
use switchyard_core::agent::Agent;
use switchyard_core::id::kind;
use switchyard_service::agents::{self, AgentIn, AgentPatch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(fetch, update, remove))
}

/// The organization's agents, oldest first.
#[utoipa::path(
    get,
    path = "/agents",
    operation_id = "list_agents",
    tag = "Agents",
    responses(
        (status = 200, description = "The agents", body = Vec<Agent>),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Vec<Agent>>> {
    Ok(Json(agents::list(&state.services, &caller).await?))
}

/// Creates an agent.
///
/// Owners only.
#[utoipa::path(
    post,
    path = "/agents",
    operation_id = "create_agent",
    tag = "Agents",
    request_body = AgentIn,
    responses(
        (status = 200, description = "The created agent", body = Agent),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<AgentIn>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(agents::create(&state.services, &caller, body).await?))
}

/// One agent.
#[utoipa::path(
    get,
    path = "/agents/{id}",
    operation_id = "get_agent",
    tag = "Agents",
    params(("id" = AgentId, Path, description = "The agent's id")),
    responses(
        (status = 200, description = "The agent", body = Agent),
        (status = 404, description = "No such agent in your organization", body = ErrorBody),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Agent>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(agents::get(&state.services, &caller, id).await?))
}

/// Changes an agent.
///
/// Only the keys present change. Owners only.
#[utoipa::path(
    patch,
    path = "/agents/{id}",
    operation_id = "update_agent",
    tag = "Agents",
    params(("id" = AgentId, Path, description = "The agent's id")),
    request_body = AgentPatch,
    responses(
        (status = 200, description = "The changed agent", body = Agent),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such agent in your organization", body = ErrorBody),
        (status = 422, response = Unprocessable),
    )
)]
async fn update(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Agent>,
    ApiJson(patch): ApiJson<AgentPatch>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(
        agents::update(&state.services, &caller, id, patch).await?,
    ))
}

/// Deletes an agent.
///
/// Refused (`409`) for the organization's default agent and for agents a number routes to.
/// Owners only.
#[utoipa::path(
    delete,
    path = "/agents/{id}",
    operation_id = "delete_agent",
    tag = "Agents",
    params(("id" = AgentId, Path, description = "The agent's id")),
    responses(
        (status = 200, description = "The deleted agent", body = Agent),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such agent in your organization", body = ErrorBody),
        (status = 409, description = "The organization's default agent, or one a number routes to", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Agent>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(agents::delete(&state.services, &caller, id).await?))
}
