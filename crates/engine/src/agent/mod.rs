//! The agent: who speaks for the organization in a call. It runs the call's prompt
//! (rendered with the call's params), is played by the `scripted` agent or by a model
//! through the OpenAI-compatible API, and calls the prompt's tools, which are HTTP
//! endpoints of the integrator's. The other party is the simulated network's callee,
//! whose lines are deterministic; the network decided how the call ends and how long it
//! talks, and the conversation is laid out to fit.
//!
//! * `dialogue`: one conversation, turn by turn.
//! * [`prompt`]: which words the agent works from.
//! * [`scripted`]: the deterministic agent's choices.
//! * [`model`]: the request a model answers.
//! * [`tools`]: the HTTP requests of tool calls.
//! * [`live`]: the agent on a real line (SIP), told what the far end said.

mod dialogue;
pub mod live;
pub(crate) mod model;
pub(crate) mod prompt;
pub(crate) mod scripted;
mod session;
pub mod tools;

use crate::llm::ChatApi;
use crate::sim::conversation::Ending;
use dialogue::Dialogue;
use prompt::RenderedPrompt;
use serde_json::Value;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
pub use switchyard_core::conversation::Conversation;
use switchyard_core::prompt::Tool;
use switchyard_core::transcript::Message;
use tools::{Invocation, ToolCaller};

/// Makes one tool call (without `access`, answers that tools are not called in this
/// conversation) and keeps it among the conversation's invocations and logs.
pub(crate) async fn call_tool(
    done: &mut Conversation,
    access: Option<(&ToolCaller, &str)>,
    call: &Call,
    (tool, id): (&Tool, &str),
    arguments: switchyard_core::call::JsonObject,
    at: Timestamp,
) -> Invocation {
    let invocation = match access {
        Some((caller, secret)) => {
            let (invocation, log) = caller.invoke(call, tool, id, arguments, secret, at).await;
            done.logs.push(log);
            invocation
        }
        None => Invocation {
            arguments,
            status: None,
            result: Value::Null,
            duration_ms: 0,
            error: Some("tools are not called in this conversation".to_owned()),
        },
    };
    done.tools
        .entry(tool.name.clone())
        .or_default()
        .push(invocation.clone());
    invocation
}

/// Who plays the agent.
pub(crate) enum Player<'a> {
    Scripted,
    Model { api: &'a ChatApi, model: String },
}

/// When the conversation happened on the engine's clock: it was answered at `answered`
/// and ended at `ended`, and a simulated second lasts `1 / speed` real seconds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TalkClock {
    pub answered: Timestamp,
    pub ended: Timestamp,
    pub speed: f64,
}

impl TalkClock {
    /// The clock's time `offset` simulated seconds into the conversation.
    fn at(&self, offset: f64) -> Timestamp {
        let millis = (offset * 1000.0 / self.speed).round() as i64;
        Timestamp::from_millis((self.answered.millis() + millis).min(self.ended.millis()))
    }
}

/// What tool calls need: the caller and the organization's signing secret.
pub(crate) struct ToolAccess<'a> {
    pub caller: &'a ToolCaller,
    pub secret: String,
}

/// The words of a simulated call with the built-in prompt and the scripted agent, laid
/// out over `talk_secs`: what seeded and demo calls keep as their transcript.
pub fn conversation(call: &Call, talk_secs: f64, ending: &Ending) -> Vec<Message> {
    let clock = TalkClock {
        answered: call.created,
        ended: call.created,
        speed: 1.0,
    };
    let dialogue = Dialogue::new(
        call,
        RenderedPrompt::built_in(call),
        Player::Scripted,
        None,
        clock,
        talk_secs,
        None,
    );
    let mut running = pin!(dialogue.run(ending));
    match running
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(conversation) => conversation.messages,
        Poll::Pending => unreachable!("a scripted conversation without tools does no I/O"),
    }
}

/// A JSON value as a person would say it: strings without their quotes.
pub(crate) fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Replaces `{placeholders}` in one pass, so a value that itself looks like a placeholder
/// (an agent named "{to}") is left as it is.
pub(crate) fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        match vars.iter().find(|(key, _)| rest.starts_with(key)) {
            Some((key, value)) => {
                out.push_str(value);
                rest = &rest[key.len()..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        assert_eq!(
            fill(
                "{agent} to {to} {x}",
                &[("{agent}", "{to}"), ("{to}", "Bo")]
            ),
            "{to} to Bo {x}"
        );
    }
}
