//! What a dial request is checked against: the organization's numbers, use cases and
//! agents, and the prompts it may run, loaded once per request however many calls it
//! creates.

use crate::Services;
use std::collections::{HashMap, HashSet};
use switchyard_core::agent::Agent;
use switchyard_core::number::Number;
use switchyard_core::store::{Store, StoreError};
use switchyard_core::time::Timestamp;
use switchyard_core::use_case::UseCase;
use switchyard_core::{AgentId, NumberId, OrgId, PromptId, UseCaseId};

pub struct DialContext {
    pub org: OrgId,
    pub now: Timestamp,
    pub default_agent: Agent,
    pub numbers: HashMap<NumberId, Number>,
    /// With their hooks masked: each becomes the snapshot a call keeps, which members of
    /// every role read and every hook receives (the engine sends to the use case's
    /// current hooks, credentials and all).
    pub use_cases: HashMap<UseCaseId, UseCase>,
    pub agents: HashMap<AgentId, Agent>,
    /// The model each prompt names, if any, for the prompts the request may run: those the
    /// numbers' routes and the use cases' defaults name, and those the request names
    /// itself ([`DialContext::load_prompts`]). A prompt not here does not exist.
    pub prompt_models: HashMap<PromptId, Option<String>>,
    /// Whether a model other than `scripted` can play the agent; the dial paths set it
    /// from the engine.
    pub model_endpoint: bool,
}

impl DialContext {
    pub async fn load(
        store: &dyn Store,
        org: OrgId,
        now: Timestamp,
    ) -> Result<DialContext, StoreError> {
        let organization = store.get_organization(org).await?;
        let agents: HashMap<AgentId, Agent> = store
            .list_agents(org)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let default_agent = agents
            .get(&organization.default_agent_id)
            .cloned()
            .ok_or_else(|| {
                StoreError::Conflict("the organization has no default agent".to_owned())
            })?;
        let mut context = DialContext {
            org,
            now,
            default_agent,
            numbers: store
                .list_numbers(org)
                .await?
                .into_iter()
                .map(|n| (n.id, n))
                .collect(),
            use_cases: store
                .list_use_cases(org)
                .await?
                .into_iter()
                .map(|u| (u.id, u.with_hooks_masked()))
                .collect(),
            agents,
            prompt_models: HashMap::new(),
            model_endpoint: false,
        };
        let routed = context.numbers.values().flat_map(|n| {
            let routes = &n.use_case_config.prompt_routes;
            routes.iter().filter_map(|r| r.prompt_id.parse().ok())
        });
        let defaults = context
            .use_cases
            .values()
            .filter_map(|u| u.default_prompt_id);
        let configured: HashSet<PromptId> = routed.chain(defaults).collect();
        context.load_prompts(store, configured).await?;
        Ok(context)
    }

    /// The context of a dial request, with the prompts it names itself (`requested`, as
    /// sent: each distinct id read once, malformed ones left to [`DialContext::build_call`]
    /// to report).
    pub async fn for_dial<'a>(
        services: &Services,
        org: OrgId,
        now: Timestamp,
        requested: impl IntoIterator<Item = Option<&'a str>>,
    ) -> Result<DialContext, StoreError> {
        let store = services.store.as_ref();
        let mut context = DialContext::load(store, org, now).await?;
        context.model_endpoint = services.engine.has_model_endpoint();
        let ids = requested
            .into_iter()
            .flatten()
            .filter_map(|raw| raw.parse().ok())
            .collect();
        context.load_prompts(store, ids).await?;
        Ok(context)
    }

    /// Reads each prompt of `ids` not read yet, once; unknown ids stay out of
    /// `prompt_models`.
    pub async fn load_prompts(
        &mut self,
        store: &dyn Store,
        ids: HashSet<PromptId>,
    ) -> Result<(), StoreError> {
        for id in ids {
            if self.prompt_models.contains_key(&id) {
                continue;
            }
            match store.get_prompt(self.org, id).await {
                Ok(prompt) => {
                    self.prompt_models.insert(id, prompt.model_id);
                }
                Err(StoreError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}
