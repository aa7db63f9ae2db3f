//! Prompts (an extension: v1 names `prompt_id` but has no prompts endpoint): what the agent
//! is told, how it opens, and the tools it may call, which are HTTP endpoints of the
//! integrator's.

use crate::Timestamp;
use crate::id::{OrgId, PromptId, UseCaseId};
use crate::use_case::{MASK, masked_url};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The model that plays the agent when nothing else is chosen: deterministic, no network.
pub const SCRIPTED_MODEL: &str = "scripted";
/// A tool's timeout when its prompt does not give one, and the most it may give.
pub const DEFAULT_TOOL_TIMEOUT_MS: u32 = 5_000;
pub const MAX_TOOL_TIMEOUT_MS: u32 = 30_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Prompt {
    pub id: PromptId,
    pub organization_id: OrgId,
    pub name: String,
    /// The system prompt; `{{param}}` is replaced by the call's param of that name.
    pub text: String,
    /// What the agent says first, a template like `text`; `null`: the built-in greeting.
    #[schema(required = true)]
    pub first_message: Option<String>,
    /// The use case this prompt is written for, if any (informative).
    #[schema(required = true)]
    pub use_case_id: Option<UseCaseId>,
    /// The model that plays the agent when neither the dial nor the number's route names one.
    #[schema(required = true)]
    pub model_id: Option<String>,
    pub tools: Vec<Tool>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An HTTP endpoint the agent may call during a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tool {
    /// `^[A-Za-z0-9_-]{1,64}$`, unique within the prompt.
    pub name: String,
    pub description: String,
    /// A JSON Schema object: `{type: "object", properties, required}`.
    #[schema(value_type = Object)]
    pub parameters: Value,
    /// An http(s) URL, checked by the same guard as webhooks.
    pub url: String,
    pub method: ToolMethod,
    pub headers: Vec<ToolHeader>,
    pub timeout_ms: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum ToolMethod {
    /// The arguments as the JSON body.
    #[default]
    #[serde(rename = "POST")]
    Post,
    /// The arguments as query parameters.
    #[serde(rename = "GET")]
    Get,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ToolHeader {
    pub key: String,
    pub value: String,
}

impl Prompt {
    /// The prompt with its tools' credentials masked as a hook's are
    /// ([`Hook::masked`](crate::use_case::Hook::masked)): header values, and the password and
    /// query values of URLs, read [`MASK`].
    pub fn with_tools_masked(mut self) -> Prompt {
        for tool in &mut self.tools {
            tool.url = masked_url(&tool.url);
            for header in &mut tool.headers {
                header.value = MASK.to_owned();
            }
        }
        self
    }
}
