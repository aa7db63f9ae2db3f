//! One conversation, turn by turn: the agent (scripted or a model) and the simulated
//! callee take turns on a [`Timeline`] that fits the talk time, and the agent's tool
//! calls are made as they come. A sandbox scenario's `callee_lines` are what the callee
//! says, in order; after the last one, the simulated callee's phrases carry on.

use super::prompt::RenderedPrompt;
use super::tools::Invocation;
use super::{Conversation, Player, TalkClock, ToolAccess, fill, model, plain, scripted};
use crate::llm::ReplyToolCall;
use crate::sim::conversation::{Ending, Timeline, talk_time};
use crate::sim::phrases::{Phrases, phrases};
use crate::sim::{Draws, scenario, seed};
use serde_json::{Value, json};
use switchyard_core::call::{Call, JsonObject};
use switchyard_core::call_log::NewLog;
use switchyard_core::enums::MessageRole;
use switchyard_core::prompt::Tool;
use switchyard_core::scenario::FarEnd;
use switchyard_core::transcript::{Message, ToolCall, ToolFunction};
use switchyard_core::{Id, Timestamp};

/// Rounds of tool calls a model may make before it must speak.
const MAX_TOOL_ROUNDS: usize = 4;
/// Questions the callee asks a model-played agent at most (each one is a request).
const MAX_MODEL_EXCHANGES: usize = 8;

pub(crate) struct Dialogue<'a> {
    call: &'a Call,
    prompt: RenderedPrompt,
    player: Player<'a>,
    tools: Option<ToolAccess<'a>>,
    phrases: &'static Phrases,
    subject: String,
    timeline: Timeline,
    clock: TalkClock,
    cut: bool,
    /// Whether the callee takes what is offered, at the end of a completed call.
    agrees: bool,
    /// What the draws come from (`sim::scenario::key`).
    key: String,
    callee_lines: &'a [String],
    lines_said: usize,
    draws: Draws,
    first_exchange: usize,
    done: Conversation,
}

impl<'a> Dialogue<'a> {
    pub(crate) fn new(
        call: &'a Call,
        prompt: RenderedPrompt,
        player: Player<'a>,
        tools: Option<ToolAccess<'a>>,
        clock: TalkClock,
        talk_secs: f64,
        far_end: Option<&'a FarEnd>,
    ) -> Dialogue<'a> {
        let phrases = phrases(call.language);
        let subject = match call.params.as_ref().filter(|p| !p.is_empty()) {
            Some(params) => params
                .iter()
                .map(|(key, value)| format!("{} {}", key.replace('_', " "), plain(value)))
                .collect::<Vec<_>>()
                .join(", "),
            None => phrases.subject_default.to_owned(),
        };
        let key = scenario::key(call, far_end);
        let mut draws = Draws::new(seed(&key, "conversation"));
        let first_exchange = (draws.next_u64() % phrases.exchanges.len() as u64) as usize;
        Dialogue {
            call,
            prompt,
            player,
            tools,
            phrases,
            subject,
            timeline: Timeline::new(&key, talk_time(talk_secs)),
            clock,
            cut: false,
            agrees: crate::sim::callee_agrees(&key),
            key,
            callee_lines: far_end.map_or(&[], |f| f.callee_lines.as_slice()),
            lines_said: 0,
            draws,
            first_exchange,
            done: Conversation::default(),
        }
    }

    pub(crate) async fn run(mut self, ending: &Ending) -> Conversation {
        let system = self.message(MessageRole::System, self.prompt.system.clone());
        self.timeline.push(system);
        let p = self.phrases;
        if let Ending::Voicemail { message } = ending {
            self.timeline
                .push(self.message(MessageRole::Assistant, message.clone()));
            return self.finished(Timeline::compressed);
        }
        self.cut = *ending == Ending::Cut;
        let greeting = self.say(p.greeting, "");
        match self.prompt.first_message.clone() {
            Some(first) => self.speak(first),
            None => self.agent_turn(greeting).await,
        }
        self.callee(p.ready);
        self.work().await;
        match ending {
            Ending::Completed => {
                let (decision, closing) = if self.agrees {
                    (p.agree, p.closing)
                } else {
                    (p.decline, p.closing_declined)
                };
                let reserve = [
                    self.say(decision, ""),
                    self.say(closing, ""),
                    self.say(p.goodbye, ""),
                ];
                self.exchanges(&reserve).await;
                self.callee(decision);
                let closing = self.say(closing, "");
                self.agent_turn(closing).await;
                self.callee(p.goodbye);
                self.finished(Timeline::fitted)
            }
            Ending::Transferred { to } => {
                let to = to.as_deref().unwrap_or(p.colleague);
                let reserve = [self.say(p.ask_person, ""), self.say(p.transfer, to)];
                self.exchanges(&reserve).await;
                self.callee(p.ask_person);
                // The platform announces the transfer the network made, whoever plays the
                // agent: a model's own words could deny it.
                let transfer = self.say(p.transfer, to);
                self.speak(transfer);
                self.finished(Timeline::fitted)
            }
            Ending::Cut | Ending::Voicemail { .. } => {
                for n in 0.. {
                    if self.timeline.is_over() || self.exchanges_capped(n) {
                        break;
                    }
                    let (question, answer) = self.exchange(n);
                    self.callee(question);
                    let answer = self.say(answer, "");
                    self.agent_turn(answer).await;
                }
                self.finished(Timeline::cut)
            }
        }
    }

    /// The callee's questions and the agent's answers, while they fit before `reserve`.
    async fn exchanges(&mut self, reserve: &[String]) {
        let reserve: Vec<Message> = reserve
            .iter()
            .map(|text| self.message(MessageRole::User, text.clone()))
            .collect();
        for n in 0.. {
            let (question, answer) = self.exchange(n);
            let turns = [
                self.message(MessageRole::User, self.callee_text(question)),
                self.message(MessageRole::Assistant, self.say(answer, "")),
            ];
            if self.exchanges_capped(n) || !self.timeline.fits(&turns, &reserve) {
                break;
            }
            self.callee(question);
            let answer = self.say(answer, "");
            self.agent_turn(answer).await;
        }
    }

    fn exchanges_capped(&self, n: usize) -> bool {
        matches!(self.player, Player::Model { .. }) && n >= MAX_MODEL_EXCHANGES
    }

    fn exchange(&self, n: usize) -> (&'static str, &'static str) {
        let exchanges = self.phrases.exchanges;
        exchanges[(self.first_exchange + n) % exchanges.len()]
    }

    /// What the agent does once the callee is ready: the scripted agent calls each tool
    /// and quotes its answer; a model does what it decides.
    async fn work(&mut self) {
        let found = self.say(self.phrases.found, "");
        if matches!(self.player, Player::Model { .. }) {
            return self.agent_turn(found).await;
        }
        let mut answered = false;
        for tool in self.prompt.tools.clone() {
            if self.is_over() {
                return;
            }
            let arguments = match scripted::arguments(&tool, self.call) {
                Ok(arguments) => arguments,
                Err(why) => {
                    let at = self.now();
                    self.done.logs.push(NewLog::warn(
                        at,
                        "tool",
                        format!("tool {} skipped: {why}", tool.name),
                        json!({"tool": tool.name, "skipped": why}),
                    ));
                    continue;
                }
            };
            let id = format!(
                "call_{:016x}{:08x}",
                self.draws.next_u64(),
                self.draws.next_u64() as u32
            );
            let mut request =
                self.message(MessageRole::Assistant, self.say(self.phrases.checking, ""));
            request.tool_calls = Some(vec![tool_call(&id, &tool.name, &arguments)]);
            self.timeline.push(request);
            let invocation = self.invoke(&tool, &id, arguments).await;
            let reply = match (&invocation.error, scripted::facts(&invocation.result)) {
                (None, Some(facts)) => fill(self.phrases.answer, &[("{facts}", &facts)]),
                (None, None) => self.say(self.phrases.found, ""),
                (Some(_), _) => self.say(self.phrases.tool_failed, ""),
            };
            answered = true;
            self.speak(reply);
        }
        if !answered {
            self.speak(found);
        }
    }

    /// The agent's next turn: `scripted_line` from the scripted agent, or the model's
    /// answer (after the tool calls it makes). A model that fails hands the rest of the
    /// call to the scripted agent, and the call's logs say so.
    async fn agent_turn(&mut self, scripted_line: String) {
        let Player::Model { api, model } = &self.player else {
            return self.speak(scripted_line);
        };
        let (api, model) = (*api, model.clone());
        for _ in 0..MAX_TOOL_ROUNDS {
            if self.is_over() {
                return;
            }
            let reply =
                model::next_turn(api, &model, self.timeline.messages(), &self.prompt.tools).await;
            let (reply, used_backup) = match reply {
                Ok(answer) => answer,
                Err(error) => {
                    let at = self.now();
                    self.done.logs.push(model::failed(&model, &error, at));
                    self.player = Player::Scripted;
                    return self.speak(scripted_line);
                }
            };
            self.done.used_backup |= used_backup;
            let content = reply.content.unwrap_or_default();
            if reply.tool_calls.is_empty() {
                let text = if content.trim().is_empty() {
                    scripted_line
                } else {
                    content
                };
                return self.speak(text);
            }
            let mut request = self.message(MessageRole::Assistant, content);
            request.tool_calls = Some(model::transcript_calls(&reply.tool_calls));
            self.timeline.push(request);
            for call in reply.tool_calls {
                match model::resolve(&self.prompt.tools, &call) {
                    Ok((tool, arguments)) => {
                        self.invoke(&tool, &call.id, arguments).await;
                    }
                    Err(error) => {
                        let at = self.now();
                        self.done.logs.push(refused(&call, &error, at));
                        self.tool_message(
                            &call.function.name,
                            &call.id,
                            json!({"error": error}).to_string(),
                        );
                    }
                }
            }
        }
        self.speak(scripted_line);
    }

    /// Calls `tool`, records the invocation and pushes its answer as a `tool` message.
    async fn invoke(&mut self, tool: &Tool, id: &str, arguments: JsonObject) -> Invocation {
        let at = self.now();
        let access = self.tools.as_ref().map(|a| (a.caller, a.secret.as_str()));
        let invocation =
            super::call_tool(&mut self.done, access, self.call, (tool, id), arguments, at).await;
        self.tool_message(&tool.name, id, invocation.message());
        invocation
    }

    fn tool_message(&mut self, name: &str, id: &str, content: String) {
        let mut answer = self.message(MessageRole::Tool, content);
        answer.name = Some(name.to_owned());
        answer.tool_call_id = Some(id.to_owned());
        self.timeline.push(answer);
    }

    /// Whether a cut call has run out of time: nothing more is said, or done.
    fn is_over(&self) -> bool {
        self.cut && self.timeline.is_over()
    }

    fn speak(&mut self, text: String) {
        if !self.is_over() {
            self.timeline
                .push(self.message(MessageRole::Assistant, text));
        }
    }

    fn callee(&mut self, template: &str) {
        if !self.is_over() {
            let text = self.callee_text(template);
            self.lines_said += 1;
            self.timeline.push(self.message(MessageRole::User, text));
        }
    }

    /// What the callee says next: the scenario's next line, else `template`.
    fn callee_text(&self, template: &str) -> String {
        match self.callee_lines.get(self.lines_said) {
            Some(line) => line.clone(),
            None => self.say(template, ""),
        }
    }

    /// When something happens at the current point of the conversation (clock time).
    fn now(&self) -> Timestamp {
        let offset = self.timeline.messages().last().map_or(0.0, |m| m.end);
        self.clock.at(offset)
    }

    fn say(&self, template: &str, to: &str) -> String {
        fill(
            template,
            &[
                ("{agent}", self.call.agent.name.as_str()),
                ("{use_case}", self.call.use_case.name.as_str()),
                ("{subject}", self.subject.as_str()),
                ("{to}", to),
            ],
        )
    }

    fn message(&self, role: MessageRole, content: String) -> Message {
        Message {
            id: Id::new(self.call.created),
            role,
            content,
            tool_calls: None,
            name: None,
            tool_call_id: None,
            start: 0.0,
            end: 0.0,
        }
    }

    fn finished(mut self, layout: fn(Timeline) -> Vec<Message>) -> Conversation {
        let timeline = std::mem::replace(&mut self.timeline, Timeline::new(&self.key, 0.0));
        self.done.messages = layout(timeline);
        self.done
    }
}

/// The log line of a tool call a model asked for that cannot be made.
pub(super) fn refused(call: &ReplyToolCall, error: &str, at: Timestamp) -> NewLog {
    NewLog::warn(
        at,
        "tool",
        format!("tool call {} refused: {error}", call.function.name),
        json!({"tool": call.function.name, "tool_call_id": call.id, "error": error}),
    )
}

pub(super) fn tool_call(id: &str, name: &str, arguments: &JsonObject) -> ToolCall {
    ToolCall {
        call_type: "function".to_owned(),
        id: id.to_owned(),
        function: ToolFunction {
            name: name.to_owned(),
            arguments: Value::Object(arguments.clone()).to_string(),
        },
    }
}
