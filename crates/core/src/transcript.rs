//! A call's conversation (contract §4 #3): messages with offsets in seconds from the moment
//! the call was answered.

use crate::Timestamp;
use crate::enums::MessageRole;
use crate::id::{CallId, MessageId, OrgId, TranscriptId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transcript {
    pub id: TranscriptId,
    pub organization_id: OrgId,
    pub call_id: CallId,
    /// When the conversation started, as Unix seconds (the contract's `start_time`).
    pub start_time: f64,
    pub messages: Vec<Message>,
}

/// A transcript already serialized by whoever made it, stored as is: bulk loads
/// (`switchyard seed`) serialize a few templates once instead of every transcript.
#[derive(Clone, Debug)]
pub struct TranscriptJson {
    pub call_id: CallId,
    /// A [`Transcript`] as JSON.
    pub json: String,
}

impl Transcript {
    pub fn started_at(&self) -> Timestamp {
        Timestamp::from_millis((self.start_time * 1000.0).round() as i64)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub role: MessageRole,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub tool_calls: Option<Vec<ToolCall>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub tool_call_id: Option<String>,
    /// Seconds from the start of the conversation.
    pub start: f64,
    pub end: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ToolCall {
    #[serde(rename = "type")]
    pub call_type: String,
    pub id: String,
    pub function: ToolFunction,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ToolFunction {
    pub name: String,
    /// JSON text, as chat-completion APIs give it.
    pub arguments: String,
}
