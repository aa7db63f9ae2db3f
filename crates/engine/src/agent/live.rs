//! The agent on a real line (a SIP call): it is told what the far end said, as recognized,
//! and when, and answers turn by turn; the provider plays its words and reports when they
//! were heard. The transcript keeps the real timing: seconds from the answer.
//!
//! The scripted agent cannot understand what it hears, so it follows the same plan as on
//! the simulated network: greet, do the work (call the prompt's tools and quote them) once
//! the far end first answers, then close and hang up. A model reads the whole
//! conversation and decides, calling tools as it goes.

use super::dialogue::{refused, tool_call};
use super::prompt::RenderedPrompt;
use super::tools::{Invocation, ToolCaller};
use super::{Conversation, fill, model, plain, scripted};
use crate::feed::CallFeed;
use crate::llm::ChatApi;
use crate::provider::{LineAgent, Reply};
use crate::sim::phrases::{Phrases, phrases};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;
use switchyard_core::call::{Call, JsonObject};
use switchyard_core::call_log::NewLog;
use switchyard_core::enums::MessageRole;
use switchyard_core::prompt::Tool;
use switchyard_core::transcript::Message;
use switchyard_core::{Id, Timestamp};

/// Rounds of tool calls a model may make before it must speak.
const MAX_TOOL_ROUNDS: usize = 4;

/// Who plays the agent on the line.
pub(crate) enum LivePlayer {
    Scripted,
    Model { api: Arc<ChatApi>, model: String },
}

/// One call's agent, from the answer to the hang-up.
pub struct LiveAgent {
    call: Call,
    prompt: RenderedPrompt,
    player: LivePlayer,
    tools: Option<(ToolCaller, String)>,
    phrases: &'static Phrases,
    answered: Timestamp,
    /// Times the far end answered the agent (the scripted plan's step).
    heard: usize,
    reminders: u32,
    /// The call only plays this (an inbound call after hours); the engine hangs up after it.
    message_only: Option<String>,
    done: Conversation,
    /// The live pages see each line as it is said.
    feed: Arc<CallFeed>,
}

impl LiveAgent {
    pub(crate) fn new(
        call: Call,
        prompt: RenderedPrompt,
        player: LivePlayer,
        tools: Option<(ToolCaller, String)>,
        answered: Timestamp,
        logs: Vec<NewLog>,
        feed: Arc<CallFeed>,
    ) -> LiveAgent {
        let phrases = phrases(call.language);
        let mut agent = LiveAgent {
            call,
            prompt,
            player,
            tools,
            phrases,
            answered,
            heard: 0,
            reminders: 0,
            message_only: None,
            done: Conversation {
                logs,
                ..Conversation::default()
            },
            feed,
        };
        let system = agent.prompt.system.clone();
        agent.push(MessageRole::System, system, 0.0, 0.0);
        agent
    }

    /// The agent only says `message` and answers nothing.
    pub(crate) fn only_say(&mut self, message: String) {
        self.message_only = Some(message);
    }

    /// The scripted agent's work: each of the prompt's tools called once, its answer
    /// quoted; without tools, the details confirmed.
    async fn work(&mut self, at_secs: f64) -> String {
        let mut said = Vec::new();
        for tool in self.prompt.tools.clone() {
            let arguments = match scripted::arguments(&tool, &self.call) {
                Ok(arguments) => arguments,
                Err(why) => {
                    let at = self.at(at_secs);
                    self.done.logs.push(NewLog::warn(
                        at,
                        "tool",
                        format!("tool {} skipped: {why}", tool.name),
                        json!({"tool": tool.name, "skipped": why}),
                    ));
                    continue;
                }
            };
            let id = format!("call_{}", switchyard_core::MessageId::new(self.at(at_secs)));
            let mut request = self.message(MessageRole::Assistant, String::new(), at_secs, at_secs);
            request.tool_calls = Some(vec![tool_call(&id, &tool.name, &arguments)]);
            self.done.messages.push(request);
            let invocation = self.invoke(&tool, &id, arguments, at_secs).await;
            said.push(
                match (&invocation.error, scripted::facts(&invocation.result)) {
                    (None, Some(facts)) => fill(self.phrases.answer, &[("{facts}", &facts)]),
                    (None, None) => self.fill(self.phrases.found),
                    (Some(_), _) => self.fill(self.phrases.tool_failed),
                },
            );
        }
        if said.is_empty() {
            said.push(self.fill(self.phrases.found));
        }
        said.join(" ")
    }

    /// A model's next words (after the tool calls it makes), or `fallback` from the
    /// scripted agent: a model that fails hands the call to the scripted agent.
    async fn model_turn(&mut self, fallback: String, at_secs: f64) -> String {
        let LivePlayer::Model { api, model } = &self.player else {
            return fallback;
        };
        let (api, model) = (api.clone(), model.clone());
        for _ in 0..MAX_TOOL_ROUNDS {
            let turn =
                model::next_turn(&api, &model, &self.done.messages, &self.prompt.tools).await;
            let (reply, used_backup) = match turn {
                Ok(turn) => turn,
                Err(error) => {
                    let at = self.at(at_secs);
                    self.done.logs.push(model::failed(&model, &error, at));
                    self.player = LivePlayer::Scripted;
                    return fallback;
                }
            };
            self.done.used_backup |= used_backup;
            let content = reply.content.unwrap_or_default();
            if reply.tool_calls.is_empty() {
                return if content.trim().is_empty() {
                    fallback
                } else {
                    content
                };
            }
            let mut request = self.message(MessageRole::Assistant, content, at_secs, at_secs);
            request.tool_calls = Some(model::transcript_calls(&reply.tool_calls));
            self.done.messages.push(request);
            for call in reply.tool_calls {
                match model::resolve(&self.prompt.tools, &call) {
                    Ok((tool, arguments)) => {
                        self.invoke(&tool, &call.id, arguments, at_secs).await;
                    }
                    Err(error) => {
                        let at = self.at(at_secs);
                        self.done.logs.push(refused(&call, &error, at));
                        let mut answer = self.message(
                            MessageRole::Tool,
                            json!({"error": error}).to_string(),
                            at_secs,
                            at_secs,
                        );
                        answer.name = Some(call.function.name.clone());
                        answer.tool_call_id = Some(call.id.clone());
                        self.done.messages.push(answer);
                    }
                }
            }
        }
        fallback
    }

    async fn invoke(
        &mut self,
        tool: &Tool,
        id: &str,
        arguments: JsonObject,
        at_secs: f64,
    ) -> Invocation {
        let at = self.at(at_secs);
        let access = self
            .tools
            .as_ref()
            .map(|(caller, secret)| (caller, secret.as_str()));
        let invocation = super::call_tool(
            &mut self.done,
            access,
            &self.call,
            (tool, id),
            arguments,
            at,
        )
        .await;
        let mut answer = self.message(MessageRole::Tool, invocation.message(), at_secs, at_secs);
        answer.name = Some(tool.name.clone());
        answer.tool_call_id = Some(id.to_owned());
        self.done.messages.push(answer);
        invocation
    }

    fn fill(&self, template: &str) -> String {
        let subject = match self.call.params.as_ref().filter(|p| !p.is_empty()) {
            Some(params) => params
                .iter()
                .map(|(key, value)| format!("{} {}", key.replace('_', " "), plain(value)))
                .collect::<Vec<_>>()
                .join(", "),
            None => self.phrases.subject_default.to_owned(),
        };
        fill(
            template,
            &[
                ("{agent}", self.call.agent.name.as_str()),
                ("{use_case}", self.call.use_case.name.as_str()),
                ("{subject}", subject.as_str()),
            ],
        )
    }

    /// Adds a line of the far end or the agent; it goes to the live pages at once, after
    /// the tool messages added since the last one.
    fn push(&mut self, role: MessageRole, content: String, start: f64, end: f64) {
        let message = self.message(role, content, start, end);
        self.done.messages.push(message);
        self.stream();
    }

    /// Sends the messages not yet sent to the live pages.
    fn stream(&mut self) {
        let new = &self.done.messages[self.done.streamed..];
        self.feed
            .lines(self.call.organization_id, self.call.id, new);
        self.done.streamed = self.done.messages.len();
    }

    fn message(&self, role: MessageRole, content: String, start: f64, end: f64) -> Message {
        Message {
            id: Id::new(self.at(start)),
            role,
            content,
            tool_calls: None,
            name: None,
            tool_call_id: None,
            start: round_millis(start),
            end: round_millis(end),
        }
    }
}

#[async_trait]
impl LineAgent for LiveAgent {
    async fn opening(&mut self, at_secs: f64) -> Reply {
        if let Some(message) = self.message_only.clone() {
            return Reply {
                say: Some(message),
                hang_up: false,
            };
        }
        let greeting = self.fill(self.phrases.greeting);
        let say = match self.prompt.first_message.clone() {
            Some(first) => first,
            None => self.model_turn(greeting, at_secs).await,
        };
        Reply {
            say: Some(say),
            hang_up: false,
        }
    }

    async fn heard(&mut self, text: &str, start: f64, end: f64) -> Reply {
        self.push(MessageRole::User, text.to_owned(), start, end);
        if self.message_only.is_some() {
            return Reply::default();
        }
        self.heard += 1;
        self.reminders = 0;
        if matches!(self.player, LivePlayer::Model { .. }) {
            let fallback = self.fill(self.phrases.found);
            let say = self.model_turn(fallback, end).await;
            return Reply {
                say: Some(say),
                hang_up: false,
            };
        }
        match self.heard {
            1 => Reply {
                say: Some(self.work(end).await),
                hang_up: false,
            },
            _ => Reply {
                say: Some(self.fill(self.phrases.closing)),
                hang_up: true,
            },
        }
    }

    fn overheard(&mut self, text: &str, start: f64, end: f64) {
        self.push(MessageRole::User, text.to_owned(), start, end);
    }

    fn silence(&mut self) -> Reply {
        if self.message_only.is_some() {
            return Reply::default();
        }
        self.reminders += 1;
        let limit = self.call.use_case.disable_end_call_after_n_reminders;
        if limit.is_some_and(|n| self.reminders > n) {
            return Reply {
                say: Some(self.phrases.farewell.to_owned()),
                hang_up: true,
            };
        }
        Reply {
            say: Some(self.phrases.reminder.to_owned()),
            hang_up: false,
        }
    }

    fn said(&mut self, text: &str, start: f64, end: f64) {
        self.push(MessageRole::Assistant, text.to_owned(), start, end);
    }

    fn log(&mut self, log: NewLog) {
        self.done.logs.push(log);
    }

    fn at(&self, secs: f64) -> Timestamp {
        self.answered.plus_millis((secs * 1000.0).round() as i64)
    }

    fn finish(mut self: Box<Self>) -> Conversation {
        self.stream();
        self.done
    }
}

fn round_millis(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}
