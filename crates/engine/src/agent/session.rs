//! The engine's side of a conversation: which prompt and which player a call gets, and
//! the organization's secret for signing tool calls, on the simulated network or a real
//! line.

use super::live::{LiveAgent, LivePlayer};
use super::prompt::RenderedPrompt;
use super::{Conversation, Dialogue, Player, TalkClock, ToolAccess};
use crate::engine::Engine;
use crate::sim::conversation::Ending;
use crate::webhooks::sign;
use serde_json::json;
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::id::PromptId;
use switchyard_core::prompt::SCRIPTED_MODEL;
use switchyard_core::scenario::FarEnd;
use switchyard_core::store::StoreError;

/// What a conversation starts from ([`Engine::prepare`]).
struct Prepared {
    prompt: RenderedPrompt,
    model: Option<String>,
    secret: Option<String>,
    logs: Vec<NewLog>,
}

impl Engine {
    /// The conversation of `call`, answered at `answered` and talking `talk_secs`
    /// (simulated seconds) until it ended as `ending` at `ended`, with the far end a
    /// sandbox scenario described, if any; its log lines are stamped at the moments they
    /// happened in between.
    pub(crate) async fn converse(
        &self,
        call: &Call,
        (answered, ended): (Timestamp, Timestamp),
        talk_secs: f64,
        ending: &Ending,
        far_end: Option<&FarEnd>,
    ) -> Conversation {
        let Prepared {
            prompt,
            model,
            secret,
            mut logs,
        } = self.prepare(call, answered).await;
        let player = match (&self.chat, model) {
            (Some(api), Some(model)) => Player::Model { api, model },
            _ => Player::Scripted,
        };
        let tools = secret.map(|secret| ToolAccess {
            caller: &self.tool_caller,
            secret,
        });
        let clock = TalkClock {
            answered,
            ended,
            speed: self.config.sim_speed,
        };
        let mut conversation =
            Dialogue::new(call, prompt, player, tools, clock, talk_secs, far_end)
                .run(ending)
                .await;
        logs.append(&mut conversation.logs);
        conversation.logs = logs;
        conversation
    }

    /// The agent of a call on a real line, answered at `answered`.
    pub async fn live_agent(&self, call: &Call, answered: Timestamp) -> LiveAgent {
        let Prepared {
            prompt,
            model,
            secret,
            logs,
        } = self.prepare(call, answered).await;
        let player = match (&self.chat, model) {
            (Some(api), Some(model)) => LivePlayer::Model {
                api: api.clone(),
                model,
            },
            _ => LivePlayer::Scripted,
        };
        let tools = secret.map(|secret| (self.tool_caller.clone(), secret));
        let mut agent = LiveAgent::new(
            call.clone(),
            prompt,
            player,
            tools,
            answered,
            logs,
            self.feed.clone(),
        );
        if let Some(message) = crate::scheduler::after_hours_message(call, answered) {
            agent.only_say(message);
        }
        agent
    }

    /// What any conversation of `call` starts from: its prompt, who plays the agent (a
    /// model's name, `None` for the scripted agent), the secret that signs tool calls
    /// (`None` without tools), and the log lines that say so.
    async fn prepare(&self, call: &Call, answered: Timestamp) -> Prepared {
        let mut logs = Vec::new();
        let prompt = self.prompt_of(call, answered, &mut logs).await;
        if !prompt.missing.is_empty() {
            logs.push(NewLog::warn(
                answered,
                "agent",
                format!(
                    "the prompt names params the call does not have, rendered empty: {}",
                    prompt.missing.join(", ")
                ),
                json!({"missing_params": prompt.missing}),
            ));
        }
        let model = match (&self.chat, call.use_case.model.as_str()) {
            (Some(_), model) if model != SCRIPTED_MODEL => Some(model.to_owned()),
            _ => None,
        };
        let played_by = model.as_deref().unwrap_or(SCRIPTED_MODEL);
        logs.push(NewLog::info(
            answered,
            "agent",
            format!("the agent is played by {played_by}"),
            json!({"model": played_by, "prompt_id": call.prompt_id, "tools": prompt.tools.len()}),
        ));
        let secret = if prompt.tools.is_empty() {
            None
        } else {
            match self
                .store
                .webhook_secret(call.organization_id, &sign::generate_secret)
                .await
            {
                Ok(secret) => Some(secret),
                Err(error) => {
                    tracing::error!(call_id = %call.id, %error, "cannot read the signing secret for tool calls");
                    None
                }
            }
        };
        Prepared {
            prompt,
            model,
            secret,
            logs,
        }
    }

    /// The call's prompt rendered with its params; the built-in prompt when it names none,
    /// or names one that is gone.
    async fn prompt_of(
        &self,
        call: &Call,
        at: Timestamp,
        logs: &mut Vec<NewLog>,
    ) -> RenderedPrompt {
        let Some(raw) = &call.prompt_id else {
            return RenderedPrompt::built_in(call);
        };
        let found = match raw.parse::<PromptId>() {
            Ok(id) => self.store.get_prompt(call.organization_id, id).await,
            Err(_) => Err(StoreError::NotFound(switchyard_core::Entity::Prompt)),
        };
        match found {
            Ok(prompt) => RenderedPrompt::of(&prompt, call),
            Err(error) => {
                if !matches!(error, StoreError::NotFound(_)) {
                    tracing::error!(call_id = %call.id, %error, "cannot read the call's prompt");
                }
                logs.push(NewLog::warn(
                    at,
                    "agent",
                    format!("prompt {raw} cannot be read; the built-in prompt ran instead"),
                    json!({"prompt_id": raw}),
                ));
                RenderedPrompt::built_in(call)
            }
        }
    }
}
