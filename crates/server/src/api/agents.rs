//! Agents (contract §6): the voices calls are placed with. Everyone reads, Owners write.

use crate::api::nullable::double_option;
use crate::api::validate::{self, Errors};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{ApiJson, PathId};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use switchyard_core::Id;
use switchyard_core::agent::Agent;
use switchyard_core::enums::{AgentLanguage, Role};
use switchyard_core::store::StoreError;

const MAX_NAME_CHARS: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agents", get(list).post(create))
        .route("/agents/{id}", get(fetch).patch(update).delete(remove))
}

#[derive(Deserialize)]
struct AgentIn {
    name: Option<String>,
    /// Strings, checked one by one so that every bad entry is reported.
    languages: Option<Vec<String>>,
    voice_id: Option<String>,
}

#[derive(Deserialize)]
struct AgentPatch {
    name: Option<String>,
    languages: Option<Vec<String>>,
    /// `null` clears the voice.
    #[serde(default, deserialize_with = "double_option")]
    voice_id: Option<Option<String>>,
}

async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Agent>>> {
    Ok(Json(state.store.list_agents(caller.organization_id).await?))
}

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

async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Agent>> {
    Ok(Json(
        state
            .store
            .get_agent(caller.organization_id, id)
            .await
            .map_err(agent_error)?,
    ))
}

/// Only the keys present change.
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
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

/// Refused (`409`) for the organization's default agent and for agents a number routes to.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
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
        StoreError::NotFound => ApiError::not_found("agent"),
        other => other.into(),
    }
}
