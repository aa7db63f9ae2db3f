//! Prompts (an extension): what the agent is told, how it opens, and the tools it may call.
//! Everyone reads them (tool credentials masked but for Owners, like hooks'), Owners write
//! them. A tool's URL is where the server will send requests during calls, so it takes the
//! same checks as a hook's when the prompt is saved: its shape, and the SSRF guard.

mod input;

pub use input::{PromptIn, PromptPatch, ToolIn};

use crate::auth::Caller;
use crate::validate::{self, Errors};
use crate::{ServiceError, ServiceResult, Services};
use switchyard_core::PromptId;
use switchyard_core::enums::Role;
use switchyard_core::prompt::Prompt;
use switchyard_core::store::StoreError;

use input::{
    MAX_NAME_CHARS, check_destinations, client_id, first_message, model, prompt_text, tools,
    use_case,
};

pub async fn list(services: &Services, caller: &Caller) -> ServiceResult<Vec<Prompt>> {
    let prompts = services.store.list_prompts(caller.organization_id).await?;
    Ok(prompts
        .into_iter()
        .map(|prompt| as_seen_by(caller, prompt))
        .collect())
}

pub async fn get(services: &Services, caller: &Caller, id: PromptId) -> ServiceResult<Prompt> {
    let prompt = services
        .store
        .get_prompt(caller.organization_id, id)
        .await?;
    Ok(as_seen_by(caller, prompt))
}

/// Tools carry credentials (header values, tokens in URLs): only Owners, who write them,
/// read them; everyone else sees them masked.
fn as_seen_by(caller: &Caller, prompt: Prompt) -> Prompt {
    if caller.role >= Role::Owner {
        prompt
    } else {
        prompt.with_tools_masked()
    }
}

/// Creates a prompt. Owners only.
pub async fn create(services: &Services, caller: &Caller, body: PromptIn) -> ServiceResult<Prompt> {
    caller.require(Role::Owner)?;
    let org = caller.organization_id;
    let mut errors = Errors::default();
    let id = body
        .id
        .as_deref()
        .and_then(|raw| errors.check(client_id(raw)));
    let name = match &body.name {
        Some(name) => errors.check(validate::text("name", name, 1, MAX_NAME_CHARS)),
        None => {
            errors.push("name", "is required");
            None
        }
    };
    let text = match body.text {
        Some(text) => errors.check(prompt_text(text)),
        None => {
            errors.push("text", "is required");
            None
        }
    };
    let first_message = errors.check(first_message(body.first_message)).flatten();
    let use_case_id = match body.use_case_id {
        Some(raw) => use_case(services, org, &raw, &mut errors).await?,
        None => None,
    };
    let model_id = body.model_id.and_then(|raw| errors.check(model(&raw)));
    let tools = tools(body.tools, &mut errors);
    errors.finish()?;
    check_destinations(services, &tools).await?;
    let now = services.clock.now_for(caller.organization_id);
    let prompt = Prompt {
        id: id.unwrap_or_else(|| PromptId::new(now)),
        organization_id: org,
        name: name.unwrap_or_default(),
        text: text.unwrap_or_default(),
        first_message,
        use_case_id,
        model_id,
        tools,
        created_at: now,
        updated_at: now,
    };
    match services.store.insert_prompt(&prompt).await {
        Ok(()) => Ok(prompt),
        Err(StoreError::Duplicate(_)) => Err(ServiceError::Conflict(format!(
            "your organization already has a prompt {}",
            prompt.id
        ))),
        Err(other) => Err(other.into()),
    }
}

/// Changes the keys present in `patch`; `updated_at` moves when something changed. Owners
/// only.
pub async fn update(
    services: &Services,
    caller: &Caller,
    id: PromptId,
    patch: PromptPatch,
) -> ServiceResult<Prompt> {
    caller.require(Role::Owner)?;
    let org = caller.organization_id;
    let stored = services.store.get_prompt(org, id).await?;
    let mut prompt = stored.clone();
    let mut errors = Errors::default();
    if let Some(name) = patch
        .name
        .and_then(|name| errors.check(validate::text("name", &name, 1, MAX_NAME_CHARS)))
    {
        prompt.name = name;
    }
    if let Some(text) = patch.text.and_then(|text| errors.check(prompt_text(text))) {
        prompt.text = text;
    }
    if let Some(first) = patch.first_message
        && let Some(first) = errors.check(first_message(first))
    {
        prompt.first_message = first;
    }
    if let Some(use_case_id) = patch.use_case_id {
        prompt.use_case_id = match use_case_id {
            Some(raw) => use_case(services, org, &raw, &mut errors).await?,
            None => None,
        };
    }
    if let Some(model_id) = patch.model_id {
        prompt.model_id = model_id.and_then(|raw| errors.check(model(&raw)));
    }
    let new_tools = patch
        .tools
        .map(|t| tools(t.unwrap_or_default(), &mut errors));
    errors.finish()?;
    if let Some(tools) = new_tools {
        check_destinations(services, &tools).await?;
        prompt.tools = tools;
    }
    if prompt != stored {
        prompt.updated_at = services.clock.now_for(caller.organization_id);
        services.store.update_prompt(&prompt).await?;
    }
    Ok(prompt)
}

/// Deletes a prompt; refused while a call that has not ended runs it, a number routes to
/// it, or a use case has it as its default. Owners only.
pub async fn delete(services: &Services, caller: &Caller, id: PromptId) -> ServiceResult<Prompt> {
    caller.require(Role::Owner)?;
    Ok(services
        .store
        .delete_prompt(caller.organization_id, id)
        .await?)
}
