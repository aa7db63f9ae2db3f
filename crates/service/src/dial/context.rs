//! What a dial request is checked against: the organization's numbers, use cases and
//! agents, loaded once per request however many calls it creates.

use std::collections::HashMap;
use switchyard_core::agent::Agent;
use switchyard_core::number::Number;
use switchyard_core::store::{Store, StoreError};
use switchyard_core::time::Timestamp;
use switchyard_core::use_case::UseCase;
use switchyard_core::{AgentId, NumberId, OrgId, UseCaseId};

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
        Ok(DialContext {
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
        })
    }
}
