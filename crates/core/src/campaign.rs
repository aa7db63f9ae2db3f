use crate::Timestamp;
use crate::id::{CampaignId, OrgId};
use serde::{Deserialize, Serialize};

/// A batch of calls created by `POST /dial/scheduled`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: CampaignId,
    pub organization_id: OrgId,
    pub name: Option<String>,
    pub retry_logic: Vec<RetryRule>,
    pub max_retries: u32,
    pub created_at: Timestamp,
}

/// Retry calls that ended in one of `query`'s statuses (comma-separated) after
/// `retry_period` minutes, at most `max_retry_per_day` times a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryRule {
    pub query: String,
    pub retry_period: u32,
    pub max_retry_per_day: u32,
}
