//! The Call object of contract §3, exactly as it goes on the wire.

use crate::Timestamp;
use crate::enums::{AnsweredBy, CallType, Emoji, EndReason, Language, Provider};
use crate::id::{AgentId, CallId, CampaignId, NoteId, OrgId};
use crate::lifecycle::{CallEvent, CallStatus, IllegalTransition, Transition};
use crate::use_case::UseCase;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub type JsonObject = Map<String, Value>;

/// The cap on a call's length when neither the call nor its use case sets one.
pub const DEFAULT_MAX_DURATION_MINS: u32 = 10;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Call {
    pub id: CallId,
    pub organization_id: OrgId,
    #[serde(rename = "type")]
    pub call_type: CallType,
    pub status: CallStatus,
    pub provider: Provider,
    pub metadata: CallMetadata,
    /// The use case as it was when the call was created; `model` is always set.
    pub use_case: UseCase,
    pub agent: AgentRef,
    pub language: Language,
    pub created: Timestamp,
    // Stored apart from the rest of the call (child rows), so absent from a stored doc.
    #[serde(default)]
    #[schema(required = true)]
    pub viewed_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub prompt_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub params: Option<JsonObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub extraction: Option<JsonObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub classification: Option<Classification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub duration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub parent_call_id: Option<CallId>,
    /// Always present (maybe empty) so that clients can iterate without a check.
    #[serde(default)]
    #[schema(required = true)]
    pub notes: Vec<Note>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub samples: Option<Vec<String>>,
    /// Always present (maybe empty), like `notes`.
    #[serde(default)]
    #[schema(required = true)]
    pub ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub scheduled_for: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub use_backup: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub wait_until_awake: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub campaign_id: Option<CampaignId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub max_duration_mins: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub transfer_contact_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub costs: Option<Costs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub end_reason: Option<EndReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub answered_by: Option<AnsweredBy>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub call_sid: Option<String>,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recording_sid: Option<String>,
    pub tags: Vec<String>,
    /// The `metadata` object given at dial time.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub custom: Option<JsonObject>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentRef {
    pub id: AgentId,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Classification {
    pub tag: String,
    pub reasoning: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Costs {
    pub currency: String,
    pub telephony: f64,
    pub ai: f64,
    pub total: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Note {
    pub id: NoteId,
    /// The email of the member whose key wrote the note.
    pub user_id: String,
    pub content: String,
    pub flagged: bool,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub updated_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    pub emoji: Emoji,
    pub email: String,
    pub created: Timestamp,
}

/// A change to a note: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct NotePatch {
    pub content: Option<String>,
    pub flagged: Option<bool>,
}

/// Whose note a change may touch: any, or only one written by this member (its
/// `user_id`). The store checks it in the same statement as the change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteAuthor {
    Anyone,
    Only(String),
}

impl Call {
    /// Moves the call through the state machine ([`CallStatus::apply`]), recording the end
    /// reason of a final status.
    pub fn apply(&mut self, event: CallEvent) -> Result<Transition, IllegalTransition> {
        let transition = self.status.apply(event)?;
        self.status = transition.to;
        if let Some(reason) = transition.end_reason {
            self.end_reason = Some(reason);
        }
        Ok(transition)
    }

    /// The call's own `max_duration_mins`, else its use case's, else 10 (contract §3).
    pub fn effective_max_duration_mins(&self) -> u32 {
        self.max_duration_mins
            .or(self.use_case.max_duration_mins)
            .unwrap_or(DEFAULT_MAX_DURATION_MINS)
    }

    /// The text `search` matches against, lowercased: `from`, `to` and every extraction value.
    pub fn search_text(&self) -> String {
        let mut text = format!("{}\n{}", self.metadata.from, self.metadata.to);
        for value in self.extraction.iter().flat_map(|e| e.values()) {
            text.push('\n');
            match value {
                Value::String(s) => text.push_str(s),
                other => text.push_str(&other.to_string()),
            }
        }
        text.to_lowercase()
    }
}
