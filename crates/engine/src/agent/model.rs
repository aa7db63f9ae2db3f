//! A model plays the agent through the OpenAI-compatible API: the rendered prompt is the
//! system message, the prompt's tools are function tools, and the conversation so far is
//! the history.

use crate::llm::{ChatApi, ChatError, Reply, ReplyToolCall};
use serde_json::{Map, Value, json};
use switchyard_core::Timestamp;
use switchyard_core::call::JsonObject;
use switchyard_core::call_log::NewLog;
use switchyard_core::enums::MessageRole;
use switchyard_core::prompt::Tool;
use switchyard_core::transcript::{Message, ToolCall, ToolFunction};

/// The chat-completions request for the next assistant turn after `history`.
pub(crate) fn request(history: &[Message], tools: &[Tool]) -> Map<String, Value> {
    let messages: Vec<Value> = history.iter().map(chat_message).collect();
    let mut request = Map::new();
    request.insert("messages".to_owned(), Value::Array(messages));
    if !tools.is_empty() {
        let tools = tools
            .iter()
            .map(|tool| {
                json!({"type": "function", "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                }})
            })
            .collect();
        request.insert("tools".to_owned(), Value::Array(tools));
    }
    request
}

/// Asks `api` for the next turn of the agent played by `model`.
pub(crate) async fn next_turn(
    api: &ChatApi,
    model: &str,
    history: &[Message],
    tools: &[Tool],
) -> Result<(Reply, bool), ChatError> {
    let completion = api.complete(Some(model), &request(history, tools)).await?;
    Ok((completion.reply, completion.used_backup))
}

/// The log line of a model that failed to answer: the scripted agent carries the call on.
pub(crate) fn failed(model: &str, error: &ChatError, at: Timestamp) -> NewLog {
    NewLog::error(
        at,
        "agent",
        format!("the model {model} failed ({error}); the scripted agent carried on"),
        json!({"model": model}),
    )
}

/// The tool calls a model asked for, as the transcript keeps them.
pub(crate) fn transcript_calls(calls: &[ReplyToolCall]) -> Vec<ToolCall> {
    calls
        .iter()
        .map(|c| ToolCall {
            call_type: "function".to_owned(),
            id: c.id.clone(),
            function: ToolFunction {
                name: c.function.name.clone(),
                arguments: c.function.arguments.clone(),
            },
        })
        .collect()
}

/// The prompt's tool a model called and the arguments it gave, or why it cannot be
/// called (the `error` the model is answered with).
pub(crate) fn resolve(tools: &[Tool], call: &ReplyToolCall) -> Result<(Tool, JsonObject), String> {
    let tool = tools.iter().find(|t| t.name == call.function.name);
    match (
        tool,
        serde_json::from_str::<Value>(&call.function.arguments),
    ) {
        (Some(tool), Ok(Value::Object(arguments))) => Ok((tool.clone(), arguments)),
        (None, _) => Err(format!("there is no tool named `{}`", call.function.name)),
        (Some(_), _) => Err("the arguments are not a JSON object".to_owned()),
    }
}

fn chat_message(message: &Message) -> Value {
    let role = match message.role {
        MessageRole::System => "system",
        MessageRole::Assistant => "assistant",
        MessageRole::User => "user",
        MessageRole::Tool => "tool",
    };
    let mut out = json!({"role": role, "content": message.content});
    if let Some(calls) = &message.tool_calls {
        out["tool_calls"] = json!(calls);
    }
    if let Some(id) = &message.tool_call_id {
        out["tool_call_id"] = json!(id);
    }
    out
}
