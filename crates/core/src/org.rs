use crate::Timestamp;
use crate::enums::Role;
use crate::id::{AgentId, OrgId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub attributes: Value,
    /// The agent calls get when neither the dial request nor the number names one.
    pub default_agent_id: AgentId,
    /// (extension) The IANA time zone whose days, weeks and months usage is reported in.
    pub timezone: String,
    pub created_at: Timestamp,
}

/// The time zone of a new organization.
pub const DEFAULT_TIMEZONE: &str = "UTC";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    pub email: String,
    pub role: Role,
}
