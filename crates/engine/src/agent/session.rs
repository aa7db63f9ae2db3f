//! The engine's side of a conversation: which prompt and which player a call gets, and
//! the organization's secret for signing tool calls.

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
        let player = match (&self.chat, call.use_case.model.as_str()) {
            (Some(api), model) if model != SCRIPTED_MODEL => Player::Model {
                api,
                model: model.to_owned(),
            },
            _ => Player::Scripted,
        };
        let played_by = match &player {
            Player::Scripted => SCRIPTED_MODEL.to_owned(),
            Player::Model { model, .. } => model.clone(),
        };
        logs.push(NewLog::info(
            answered,
            "agent",
            format!("the agent is played by {played_by}"),
            json!({"model": played_by, "prompt_id": call.prompt_id, "tools": prompt.tools.len()}),
        ));
        let tools = if prompt.tools.is_empty() {
            None
        } else {
            match self
                .store
                .webhook_secret(call.organization_id, &sign::generate_secret)
                .await
            {
                Ok(secret) => Some(ToolAccess {
                    caller: &self.tool_caller,
                    secret,
                }),
                Err(error) => {
                    tracing::error!(call_id = %call.id, %error, "cannot read the signing secret for tool calls");
                    None
                }
            }
        };
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
