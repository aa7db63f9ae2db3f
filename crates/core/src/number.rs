//! Phone numbers an organization owns, and how calls through them are routed.

use crate::Timestamp;
use crate::id::{AgentId, NumberId, OrgId, UseCaseId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Number {
    pub id: NumberId,
    pub organization_id: OrgId,
    /// E.164, unique across the whole (simulated) network.
    pub number: String,
    pub sid: String,
    pub locality: String,
    pub mode: String,
    pub title: String,
    pub use_case_config: UseCaseConfig,
    /// (extension) When the number was bought.
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UseCaseConfig {
    /// The use case that calls through this number run, if any.
    #[schema(required = true)]
    pub id: Option<UseCaseId>,
    pub prompt_routes: Vec<PromptRoute>,
    pub agent_routes: Vec<AgentRoute>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PromptRoute {
    pub probability: u32,
    pub prompt_id: String,
    #[serde(default)]
    #[schema(required = true)]
    pub model_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentRoute {
    pub probability: u32,
    pub id: AgentId,
}
