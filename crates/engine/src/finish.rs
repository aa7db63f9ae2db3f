//! Ending a call: the final transition, then what the platform makes of the call (the
//! conversation's transcript, the analysis, duration and costs, the recording) and the
//! `end` webhooks, written with the final status in one transaction.

use crate::agent::Conversation;
use crate::engine::Engine;
use crate::events;
use crate::runner::Changes;
use crate::sim::conversation::Ending;
use serde_json::json;
use switchyard_core::call::{Call, Costs};
use switchyard_core::call_log::NewLog;
use switchyard_core::enums::{AnsweredBy, EndReason, MessageRole};
use switchyard_core::lifecycle::{CallEvent, CallStatus};
use switchyard_core::run::RunState;
use switchyard_core::store::{CallProgress, RunChange, StoreError, StoreResult};
use switchyard_core::transcript::{Message, Transcript};
use switchyard_core::{CallId, Id, OrgId, Timestamp};

/// Where a call's recording is kept in the blob store.
pub fn recording_key(org: OrgId, call: CallId) -> String {
    format!("recordings/{org}/{call}.wav")
}

/// What a call's end is made of, whichever status it ends with.
struct End<'a> {
    state: &'a RunState,
    conversation: &'a Conversation,
    talk_secs: Option<f64>,
    at: Timestamp,
}

impl Engine {
    /// Ends the call with `event` at `at` (`None`: it already has its final status, set by
    /// a stop through the API) and records everything that comes with the end.
    pub(crate) async fn finish(
        &self,
        mut call: Call,
        expected: CallStatus,
        state: RunState,
        event: Option<CallEvent>,
        at: Timestamp,
        mut changes: Changes,
    ) -> StoreResult<()> {
        self.inbox.take(call.id);
        // Whoever ended the call (the far end, a stop, the maximum duration, the engine on
        // an answering machine), the line is closed before the conversation is read: a
        // real line's conversation is over only then. Hanging up twice is harmless.
        self.hang_up(&state, &mut changes, at).await;
        if let Some(event) = event {
            events::transition(&mut call, event, at, why(event), &mut changes.logs)?;
            if let (Some(sip), Some(line)) = (changes.end_detail.take(), changes.logs.last_mut()) {
                line.data["sip_code"] = json!(sip.code);
                line.data["sip_reason"] = json!(sip.reason);
            }
        }
        let talk_secs = state
            .answered_at
            .map(|answered| self.sim_secs(answered, at));
        let conversation = match (talk_secs, state.answered_at) {
            (Some(secs), Some(answered)) => {
                self.conversation(&call, &state, (answered, at), secs).await
            }
            _ => Conversation::default(),
        };
        let (org, id) = (call.organization_id, call.id);
        let end = End {
            state: &state,
            conversation: &conversation,
            talk_secs,
            at,
        };
        match self.record_end(call, expected, &end, changes).await {
            // A stop landed while the conversation went on, and the tools it called must
            // not be called again by the next pass: the call ends as the stop left it,
            // with this conversation.
            Err(StoreError::Conflict(_)) if !conversation.tools.is_empty() => {
                let stopped = self.store.get_call(org, id).await?;
                if !stopped.status.is_final() {
                    return Ok(());
                }
                let expected = stopped.status;
                match self
                    .record_end(stopped, expected, &end, Changes::default())
                    .await
                {
                    Err(StoreError::Conflict(_)) => Ok(()),
                    other => other,
                }
            }
            // Changed meanwhile (stopped): the run is still there and finished next pass.
            Err(StoreError::Conflict(_)) => Ok(()),
            other => other,
        }
    }

    /// Writes `call`'s end (expected to be `expected` still): the conversation's
    /// transcript and logs, the analysis, duration and costs, the recording, the `end`
    /// webhooks and a campaign retry, with the final status in one transaction.
    async fn record_end(
        &self,
        mut call: Call,
        expected: CallStatus,
        end: &End<'_>,
        mut changes: Changes,
    ) -> StoreResult<()> {
        let (state, at, talk_secs) = (end.state, end.at, end.talk_secs);
        changes.logs.extend(end.conversation.logs.iter().cloned());
        // The conversation's lines come before the end it led to: oldest first.
        changes.logs.sort_by_key(|log| log.at);
        let messages = &end.conversation.messages;
        call.duration = Some(talk_secs.unwrap_or(0.0));
        call.answered_by = state.answered_by;
        if !messages.is_empty() {
            self.analyze(&mut call, messages, at, &mut changes).await;
        }
        if end.conversation.used_backup {
            call.use_backup = Some(true);
        }
        call.costs = Some(self.costs(state, talk_secs, at));
        if let (Some(secs), Some(sid)) = (talk_secs, &state.provider_sid) {
            self.keep_recording(&mut call, state, (sid, secs), at, &mut changes)
                .await;
        }
        let transcript = state.answered_at.map(|answered| Transcript {
            id: Id::new(at),
            organization_id: call.organization_id,
            call_id: call.id,
            start_time: answered.millis() as f64 / 1000.0,
            messages: messages.clone(),
        });
        let hooks = self.current_hooks(&call).await?;
        changes.webhooks.extend(events::end_webhooks(
            &call,
            &hooks,
            messages,
            &end.conversation.tools,
            at,
        ));
        let retry = self.campaign_retry(&call, at, &mut changes.logs).await?;
        let progress = CallProgress {
            call,
            expected_status: expected,
            logs: changes.logs,
            webhooks: changes.webhooks,
            transcript,
            run: RunChange::Finish,
            new_calls: retry.into_iter().collect(),
        };
        self.save_progress_streamed(progress, end.conversation.streamed)
            .await
            .map(drop)
    }

    async fn analyze(
        &self,
        call: &mut Call,
        messages: &[Message],
        at: Timestamp,
        changes: &mut Changes,
    ) {
        match self.analyzer.analyze(call, messages).await {
            Ok(analysis) => {
                let fields: Vec<&String> = analysis.extraction.keys().collect();
                changes.logs.push(NewLog::info(
                    at,
                    "analysis",
                    format!(
                        "analysis: {} extracted field(s), classified as {}",
                        fields.len(),
                        analysis.classification.as_ref().map_or("nothing", |c| c.tag.as_str())
                    ),
                    json!({"fields": fields, "classification": analysis.classification, "used_backup": analysis.used_backup}),
                ));
                if let Some(classification) = &analysis.classification
                    && !call.metadata.tags.contains(&classification.tag)
                {
                    call.metadata.tags.push(classification.tag.clone());
                }
                call.extraction = Some(analysis.extraction);
                call.classification = analysis.classification;
                call.use_backup = Some(analysis.used_backup);
            }
            Err(error) => changes.logs.push(NewLog::error(
                at,
                "analysis",
                format!("analysis failed: {error}"),
                json!({}),
            )),
        }
    }

    /// Telephony from the moment the provider took the call, AI for the conversation.
    fn costs(&self, state: &RunState, talk_secs: Option<f64>, at: Timestamp) -> Costs {
        let round = |usd: f64| (usd * 10_000.0).round() / 10_000.0;
        let line_secs = state
            .placed_at
            .map_or(0.0, |placed| self.sim_secs(placed, at));
        let telephony = round(line_secs / 60.0 * self.config.telephony_per_minute);
        let ai = round(talk_secs.unwrap_or(0.0) / 60.0 * self.config.ai_per_minute);
        Costs {
            currency: "USD".to_owned(),
            telephony,
            ai,
            total: round(telephony + ai),
        }
    }

    async fn keep_recording(
        &self,
        call: &mut Call,
        state: &RunState,
        (sid, secs): (&str, f64),
        at: Timestamp,
        changes: &mut Changes,
    ) {
        let far_end = state.far_end.as_deref();
        let stored = match self.provider.recording(sid, call, secs, far_end).await {
            Ok(Some(wav)) => {
                let bytes = wav.len();
                self.blobs
                    .put(&recording_key(call.organization_id, call.id), wav)
                    .await
                    .map(|()| bytes)
                    .map_err(|e| e.to_string())
            }
            Ok(None) => return,
            Err(error) => Err(error.to_string()),
        };
        match stored {
            Ok(bytes) => {
                call.metadata.recording_sid = Some(format!("RE{}", &sid.trim_start_matches("CA")));
                changes.logs.push(NewLog::info(
                    at,
                    "recording",
                    format!("recording kept: {secs:.1} s, {bytes} bytes"),
                    json!({"duration_secs": secs, "bytes": bytes}),
                ));
            }
            Err(error) => changes.logs.push(NewLog::error(
                at,
                "recording",
                format!("recording lost: {error}"),
                json!({}),
            )),
        }
    }
}

impl Engine {
    /// The conversation as the transcript keeps it: the one held on a real line, else the
    /// agent's conversation with the simulated callee, or only the message played when
    /// that is all the call did.
    async fn conversation(
        &self,
        call: &Call,
        state: &RunState,
        (answered, ended): (Timestamp, Timestamp),
        talk_secs: f64,
    ) -> Conversation {
        if let Some(message) = &state.message_only {
            return Conversation {
                messages: vec![Message {
                    id: Id::new(answered),
                    role: MessageRole::Assistant,
                    content: message.clone(),
                    tool_calls: None,
                    name: None,
                    tool_call_id: None,
                    start: 0.0,
                    end: talk_secs,
                }],
                ..Conversation::default()
            };
        }
        let ending = match (call.status, call.end_reason) {
            // A machine the agent kept talking to (`amd_behavior: Continue`) heard a
            // message; nobody answered it.
            _ if state.answered_by == Some(AnsweredBy::Machine) => Ending::Voicemail {
                message: crate::runner::voicemail_message(call),
            },
            (CallStatus::Transferred, _) => Ending::Transferred {
                to: call.use_case.transfer_number.clone(),
            },
            (
                _,
                Some(EndReason::Completed | EndReason::CustomerHangup | EndReason::AgentHangup),
            ) => Ending::Completed,
            _ => Ending::Cut,
        };
        let held = match &state.provider_sid {
            Some(sid) => self.provider.conversation(sid).await,
            None => None,
        };
        if let Some(held) = held {
            return held;
        }
        let far_end = state.far_end.as_deref();
        self.converse(call, (answered, ended), talk_secs, &ending, far_end)
            .await
    }
}

fn why(event: CallEvent) -> &'static str {
    match event {
        CallEvent::Hangup(EndReason::MaxDuration) => "hung up at the maximum duration",
        CallEvent::Hangup(EndReason::Voicemail) => "voicemail left",
        CallEvent::Hangup(EndReason::AfterHours) => "after-hours message played",
        CallEvent::Hangup(_) => "the conversation ended",
        CallEvent::Transfer => "transferred to a person",
        CallEvent::AmdHangup => "hung up on an answering machine",
        CallEvent::Busy => "the line was busy",
        CallEvent::NoAnswer => "nobody answered",
        CallEvent::ProviderError => "the telephony provider failed",
        _ => "engine",
    }
}
