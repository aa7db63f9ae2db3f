//! What a call's conversation leaves behind, whoever held it (the simulated network's
//! agent, or the agent on a real line): its messages, its tool calls and its log lines.

use crate::call::JsonObject;
use crate::call_log::NewLog;
use crate::transcript::Message;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A finished conversation and what it did.
#[derive(Debug, Default)]
pub struct Conversation {
    pub messages: Vec<Message>,
    /// Each tool's invocations in order: the end webhook's `content.tools`.
    pub tools: BTreeMap<String, Vec<Invocation>>,
    /// The agent's own lines came from the backup endpoint at least once.
    pub used_backup: bool,
    pub logs: Vec<NewLog>,
    /// How many of `messages`, from the first, were already sent to the live pages as
    /// they were said (a real line's); the others are sent when the call is written.
    pub streamed: usize,
}

/// One tool request and what came of it, as the end webhook's `content.tools` lists it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Invocation {
    pub arguments: JsonObject,
    /// The HTTP status, when the endpoint answered.
    pub status: Option<u16>,
    /// The answer: JSON when it parses as JSON, else its text; `null` after an error.
    pub result: Value,
    pub duration_ms: u64,
    pub error: Option<String>,
}

impl Invocation {
    /// The `tool` message the agent reads: the answer as received, or what went wrong.
    pub fn message(&self) -> String {
        match &self.error {
            Some(error) => json!({ "error": error }).to_string(),
            None => match &self.result {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            },
        }
    }
}
