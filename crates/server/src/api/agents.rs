//! Agents (contract §6): the voices calls are placed with. Everyone reads, Owners write.

use crate::api::nullable::double_option;
use crate::api::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::api::validate::{self, Errors};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::extract::{ApiJson, PathId};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use switchyard_core::agent::Agent;
use switchyard_core::enums::{AgentLanguage, Role};
use switchyard_core::id::kind;
use switchyard_core::store::StoreError;
use switchyard_core::{AgentId, Id};

const MAX_NAME_CHARS: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agents", get(list).post(create))
        .route("/agents/{id}", get(fetch).patch(update).delete(remove))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, fetch, update, remove))]
pub struct Doc;

#[derive(Deserialize, utoipa::ToSchema)]
struct AgentIn {
    /// 1 to 100 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    name: Option<String>,
    /// At least one; default `["english"]`. Read as strings, checked one by one so that
    /// every bad entry is reported.
    #[schema(value_type = Option<Vec<AgentLanguage>>, min_items = 1)]
    languages: Option<Vec<String>>,
    /// Blank or `null`: no particular voice.
    voice_id: Option<String>,
}

/// Absent keys leave the agent as it is.
#[derive(Deserialize, utoipa::ToSchema)]
struct AgentPatch {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    /// At least one.
    #[schema(value_type = Option<Vec<AgentLanguage>>, min_items = 1)]
    languages: Option<Vec<String>>,
    /// `null` (or blank) clears the voice.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    voice_id: Option<Option<String>>,
}

/// The organization's agents, oldest first.
#[utoipa::path(
    get,
    path = "/agents",
    operation_id = "list_agents",
    tag = "Agents",
    responses(
        (status = 200, description = "The agents", body = Vec<Agent>),
        (status = 401, response = Unauthorized),
    )
)]
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Agent>>> {
    Ok(Json(state.store.list_agents(caller.organization_id).await?))
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AgentIn>,
) -> ApiResult<Json<Agent>> {
    caller.require(Role::Owner)?;
    let mut errors = Errors::default();
    let name = match &body.name {
        Some(name) => errors.check(validate::text("name", name, 1, MAX_NAME_CHARS)),
        None => {
            errors.push("name", "is required");
            None
        }
    };
    let languages = match &body.languages {
        Some(raw) => languages(raw, &mut errors),
        None => vec![AgentLanguage::English],
    };
    errors.finish()?;
    let now = state.clock.now();
    let agent = Agent {
        id: Id::new(now),
        organization_id: caller.organization_id,
        name: name.unwrap_or_default(),
        languages,
        voice_id: voice(body.voice_id),
        created_at: now,
    };
    state.store.insert_agent(&agent).await?;
    Ok(Json(agent))
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No such agent in your organization", body = ErrorBody),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Agent>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(
        state
            .store
            .get_agent(caller.organization_id, id)
            .await
            .map_err(agent_error)?,
    ))
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such agent in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Agent>,
    ApiJson(patch): ApiJson<AgentPatch>,
) -> ApiResult<Json<Agent>> {
    caller.require(Role::Owner)?;
    let mut agent = state
        .store
        .get_agent(caller.organization_id, id)
        .await
        .map_err(agent_error)?;
    let mut errors = Errors::default();
    let name = patch
        .name
        .and_then(|name| errors.check(validate::text("name", &name, 1, MAX_NAME_CHARS)));
    let languages = patch.languages.map(|raw| languages(&raw, &mut errors));
    errors.finish()?;
    if let Some(name) = name {
        agent.name = name;
    }
    if let Some(languages) = languages {
        agent.languages = languages;
    }
    if let Some(voice_id) = patch.voice_id {
        agent.voice_id = voice(voice_id);
    }
    state
        .store
        .update_agent(&agent)
        .await
        .map_err(agent_error)?;
    Ok(Json(agent))
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such agent in your organization", body = ErrorBody),
        (status = 409, description = "The organization's default agent, or one a number routes to", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Agent>,
) -> ApiResult<Json<Agent>> {
    caller.require(Role::Owner)?;
    Ok(Json(
        state
            .store
            .delete_agent(caller.organization_id, id)
            .await
            .map_err(agent_error)?,
    ))
}

/// At least one language, each a contract value; repeats are dropped, order kept.
fn languages(raw: &[String], errors: &mut Errors) -> Vec<AgentLanguage> {
    if raw.is_empty() {
        errors.push(
            "languages",
            "must name at least one language, e.g. [\"english\"]",
        );
    }
    let mut parsed = Vec::with_capacity(raw.len());
    for (i, text) in raw.iter().enumerate() {
        let language = text
            .parse::<AgentLanguage>()
            .map_err(|e| FieldError::new(format!("languages[{i}]"), e.to_string()));
        if let Some(language) = errors.check(language)
            && !parsed.contains(&language)
        {
            parsed.push(language);
        }
    }
    parsed
}

/// A blank voice id means "no particular voice".
fn voice(voice_id: Option<String>) -> Option<String> {
    voice_id
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn agent_error(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound(_) => ApiError::not_found("agent"),
        other => other.into(),
    }
}
