use crate::Timestamp;
use crate::enums::AgentLanguage;
use crate::id::{AgentId, OrgId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent {
    pub id: AgentId,
    pub organization_id: OrgId,
    pub name: String,
    pub languages: Vec<AgentLanguage>,
    /// `null` when the agent has no particular voice.
    #[schema(required = true)]
    pub voice_id: Option<String>,
    pub created_at: Timestamp,
}
