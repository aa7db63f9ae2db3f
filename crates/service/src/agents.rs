//! Agents: the voices calls are placed with. Everyone reads, Owners write.

use crate::auth::Caller;
use crate::nullable::double_option;
use crate::validate::{self, Errors};
use crate::{FieldError, ServiceResult, Services};
use serde::Deserialize;
use switchyard_core::AgentId;
use switchyard_core::agent::Agent;
use switchyard_core::enums::{AgentLanguage, Role};

const MAX_NAME_CHARS: usize = 100;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AgentIn {
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
pub struct AgentPatch {
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
pub async fn list(services: &Services, caller: &Caller) -> ServiceResult<Vec<Agent>> {
    Ok(services.store.list_agents(caller.organization_id).await?)
}

pub async fn get(services: &Services, caller: &Caller, id: AgentId) -> ServiceResult<Agent> {
    Ok(services.store.get_agent(caller.organization_id, id).await?)
}

/// Creates an agent. Owners only.
pub async fn create(services: &Services, caller: &Caller, body: AgentIn) -> ServiceResult<Agent> {
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
    let now = services.clock.now_for(caller.organization_id);
    let agent = Agent {
        id: AgentId::new(now),
        organization_id: caller.organization_id,
        name: name.unwrap_or_default(),
        languages,
        voice_id: voice(body.voice_id),
        created_at: now,
    };
    services.store.insert_agent(&agent).await?;
    Ok(agent)
}

/// Changes the keys present in `patch`. Owners only.
pub async fn update(
    services: &Services,
    caller: &Caller,
    id: AgentId,
    patch: AgentPatch,
) -> ServiceResult<Agent> {
    caller.require(Role::Owner)?;
    let mut agent = services.store.get_agent(caller.organization_id, id).await?;
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
    services.store.update_agent(&agent).await?;
    Ok(agent)
}

/// Deletes an agent; refused for the organization's default agent and for agents a number
/// routes to. Owners only.
pub async fn delete(services: &Services, caller: &Caller, id: AgentId) -> ServiceResult<Agent> {
    caller.require(Role::Owner)?;
    Ok(services
        .store
        .delete_agent(caller.organization_id, id)
        .await?)
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
