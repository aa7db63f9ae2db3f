use crate::enums::AgentLanguage;
use crate::{Id, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent {
    pub id: Id,
    pub organization_id: Id,
    pub name: String,
    pub languages: Vec<AgentLanguage>,
    /// `null` when the agent has no particular voice.
    #[schema(required = true)]
    pub voice_id: Option<String>,
    pub created_at: Timestamp,
}
