//! Live calls: applies the provider's events through the state machine when they are due,
//! hangs up at the effective max duration, finishes calls stopped through the API, and
//! takes over the calls of an instance that stopped renewing its lease.

use crate::engine::{BATCH, Engine};
use crate::events::{self, EventHooks};
use serde_json::json;
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::enums::{AmdBehavior, AnsweredBy, CallType, EndReason};
use switchyard_core::lifecycle::{CallEvent, CallStatus};
use switchyard_core::run::{CallRun, PlannedEvent, ProviderEvent, RunState, SipResponse};
use switchyard_core::store::{CallProgress, EngineScope, StoreError, StoreResult};
use switchyard_core::webhook::NewWebhook;

/// Speaking rate used to time a played message (AMD voicemail, after-hours message).
const WORDS_PER_SECOND: f64 = 2.5;

/// What happened to a call in this step, written together at the end of it.
#[derive(Default)]
pub(crate) struct Changes {
    pub logs: Vec<NewLog>,
    pub webhooks: Vec<NewWebhook>,
    /// What the final status line adds to its `end_reason` (a SIP line's final response).
    pub end_detail: Option<SipResponse>,
}

/// How a step ends: the call carries on, or it ends with this event at this time.
enum Next {
    Continue,
    End {
        event: Option<CallEvent>,
        at: Timestamp,
    },
}

impl Engine {
    pub(crate) async fn advance_runs(
        &self,
        scope: EngineScope,
        now: Timestamp,
    ) -> StoreResult<usize> {
        let runs = self
            .store
            .claim_due_runs(scope, now, &self.lease(now), BATCH)
            .await?;
        let advanced = runs.len();
        for (run, call) in runs {
            match self.advance(run, call, now).await {
                // The call changed or went away meanwhile: its run is looked at again.
                Ok(()) | Err(StoreError::Conflict(_) | StoreError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(advanced)
    }

    async fn advance(&self, run: CallRun, mut call: Call, now: Timestamp) -> StoreResult<()> {
        let expected = call.status;
        let mut state = run.state;
        let mut changes = Changes::default();
        state.planned.extend(self.inbox.take(call.id));
        state.planned.sort_by_key(|planned| planned.at);
        if call.status.is_final() {
            // Stopped through the API: finish what the engine owes the call.
            return self.finish(call, expected, state, None, now, changes).await;
        }
        if run.lease_owner != self.worker.leases().owner() && run.lease_until <= now {
            return self.recover(run.lease_owner, call, state, now).await;
        }
        let next = self
            .apply_due_events(&mut call, &mut state, &mut changes, now)
            .await?;
        if let Next::End { event, at } = next {
            return self.finish(call, expected, state, event, at, changes).await;
        }
        if let Some(deadline) = state.deadline.filter(|d| *d <= now) {
            changes.logs.push(NewLog::info(
                deadline,
                "engine",
                format!(
                    "the call reached its maximum duration of {} minutes",
                    call.effective_max_duration_mins()
                ),
                json!({"max_duration_mins": call.effective_max_duration_mins()}),
            ));
            let event = Some(CallEvent::Hangup(EndReason::MaxDuration));
            return self
                .finish(call, expected, state, event, deadline, changes)
                .await;
        }
        let (org, id) = (call.organization_id, call.id);
        let progress = CallProgress {
            call,
            expected_status: expected,
            logs: changes.logs,
            webhooks: changes.webhooks,
            transcript: None,
            run: self.keep_run(state, now),
            new_calls: Vec::new(),
        };
        self.save_progress(progress).await?;
        self.make_due_if_reported(org, id, now).await;
        Ok(())
    }

    /// Applies the provider's events due by `now`, in order, up to the first that ends the
    /// call: the one place where what any provider reports becomes a status.
    async fn apply_due_events(
        &self,
        call: &mut Call,
        state: &mut RunState,
        changes: &mut Changes,
        now: Timestamp,
    ) -> StoreResult<Next> {
        while let Some(planned) = state.planned.first().filter(|p| p.at <= now).cloned() {
            if state.deadline.is_some_and(|d| d <= planned.at) {
                break;
            }
            state.planned.remove(0);
            let at = planned.at;
            provider_log(&planned, changes);
            let end = |event| {
                Ok(Next::End {
                    event: Some(event),
                    at,
                })
            };
            match planned.event {
                ProviderEvent::Ringing => events::transition(
                    call,
                    CallEvent::Ring,
                    at,
                    "the phone is ringing",
                    &mut changes.logs,
                )?,
                ProviderEvent::Answered { by } => {
                    events::transition(call, CallEvent::Answer, at, "answered", &mut changes.logs)?;
                    let hooks = self.current_hooks(call).await?;
                    if let Some(event) = self.on_answer(call, &hooks, state, by, at, changes) {
                        return end(event);
                    }
                }
                ProviderEvent::Initiated
                | ProviderEvent::MediaOpen
                | ProviderEvent::Dtmf { .. } => {}
                ProviderEvent::Busy { sip } => {
                    changes.end_detail = sip;
                    return end(CallEvent::Busy);
                }
                ProviderEvent::NoAnswer { sip } => {
                    changes.end_detail = sip;
                    return end(CallEvent::NoAnswer);
                }
                ProviderEvent::Failed { sip, .. } => {
                    changes.end_detail = sip;
                    return end(CallEvent::ProviderError);
                }
                ProviderEvent::Hangup { reason } => return end(CallEvent::Hangup(reason)),
                ProviderEvent::Transferred { to } => {
                    state.message_only = None;
                    if let Some(to) = to {
                        changes.logs.push(NewLog::info(
                            at,
                            "engine",
                            format!("transferred to {to}"),
                            json!({"to": to}),
                        ));
                    }
                    return end(CallEvent::Transfer);
                }
            }
        }
        Ok(Next::Continue)
    }

    /// A call was answered: its deadline starts, the `start` webhooks go out, and a machine
    /// gets the use case's AMD behaviour. Returns the event that ends the call at once, if any.
    fn on_answer(
        &self,
        call: &Call,
        hooks: &EventHooks,
        state: &mut RunState,
        by: AnsweredBy,
        at: Timestamp,
        changes: &mut Changes,
    ) -> Option<CallEvent> {
        let amd = by == AnsweredBy::Machine && call.use_case.amd;
        // With AMD off nobody can tell a machine from a person: the call carries on as usual.
        state.answered_by = Some(if by == AnsweredBy::Machine && !amd {
            AnsweredBy::Human
        } else {
            by
        });
        state.answered_at = Some(at);
        let max_secs = f64::from(call.effective_max_duration_mins()) * 60.0;
        state.deadline = Some(at.plus_millis(self.real_millis(max_secs)));
        changes
            .webhooks
            .extend(events::start_webhooks(call, hooks, at));
        if amd {
            let behavior = call.use_case.amd_behavior.unwrap_or(AmdBehavior::Hangup);
            changes.logs.push(NewLog::info(
                at,
                "engine",
                format!("answering machine detected: {behavior}"),
                json!({"amd_behavior": behavior.as_str()}),
            ));
            match behavior {
                AmdBehavior::Hangup => return Some(CallEvent::AmdHangup),
                AmdBehavior::Message => state.message_only = Some(voicemail_message(call)),
                AmdBehavior::Continue => {}
            }
        }
        if let Some(message) = &state.message_only {
            // Only the message is played; then the call hangs up.
            let reason = match call.call_type {
                CallType::Inbound => EndReason::AfterHours,
                CallType::Outbound => EndReason::Voicemail,
            };
            let secs = (message.split_whitespace().count() as f64 / WORDS_PER_SECOND).max(2.0);
            state.planned = vec![PlannedEvent {
                at: at.plus_millis(self.real_millis(secs)),
                event: ProviderEvent::Hangup { reason },
            }];
        }
        None
    }

    pub(crate) async fn hang_up(&self, state: &RunState, changes: &mut Changes, at: Timestamp) {
        let Some(sid) = &state.provider_sid else {
            return;
        };
        if let Err(error) = self.provider.hang_up(sid).await {
            changes.logs.push(NewLog::warn(
                at,
                "provider",
                format!("hang-up failed: {error}"),
                json!({}),
            ));
        }
    }

    /// The instance that held this call stopped (crash, kill -9) and its lease ran out.
    async fn recover(
        &self,
        previous: String,
        call: Call,
        state: RunState,
        now: Timestamp,
    ) -> StoreResult<()> {
        if state.provider_sid.is_none() && call.status == CallStatus::Initiated {
            let log = NewLog::warn(
                now,
                "engine",
                format!(
                    "taken over from engine {previous}, which stopped before dialing; dialing now"
                ),
                json!({"previous_engine": previous}),
            );
            self.store
                .append_call_logs(call.organization_id, call.id, &[log])
                .await?;
            return self.place_all(vec![call], now).await;
        }
        let mut changes = Changes::default();
        changes.logs.push(NewLog::error(
            now,
            "engine",
            format!(
                "engine {previous} stopped during the call; a call in progress cannot be resumed"
            ),
            json!({"previous_engine": previous}),
        ));
        let expected = call.status;
        self.finish(
            call,
            expected,
            state,
            Some(CallEvent::ProviderError),
            now,
            changes,
        )
        .await
    }
}

fn provider_log(planned: &PlannedEvent, changes: &mut Changes) {
    let data = serde_json::to_value(&planned.event).unwrap_or_default();
    let name = data
        .get("event")
        .and_then(|e| e.as_str())
        .unwrap_or("event")
        .to_owned();
    let level_error = matches!(planned.event, ProviderEvent::Failed { .. });
    let sip = match &planned.event {
        ProviderEvent::Busy { sip } | ProviderEvent::NoAnswer { sip } => sip.as_ref(),
        ProviderEvent::Failed { sip, .. } => sip.as_ref(),
        _ => None,
    };
    let sip = sip.map_or(String::new(), |sip| {
        format!(" (SIP {} {})", sip.code, sip.reason)
    });
    let message = match &planned.event {
        ProviderEvent::Failed { reason, .. } => format!("provider: failed: {reason}{sip}"),
        ProviderEvent::Dtmf { digit, .. } => format!("provider: key {digit} pressed"),
        _ => format!("provider: {name}{sip}"),
    };
    changes.logs.push(if level_error {
        NewLog::error(planned.at, "provider", message, data)
    } else {
        NewLog::info(planned.at, "provider", message, data)
    });
}

/// The use case's voicemail text in the call's language, else in English, else a default.
pub(crate) fn voicemail_message(call: &Call) -> String {
    let language = call.language.as_str();
    let short = language.split('-').next().unwrap_or(language);
    let messages = &call.use_case.amd_messages;
    messages
        .get(language)
        .or_else(|| messages.get(short))
        .or_else(|| messages.get("en-US"))
        .or_else(|| messages.get("en"))
        .or_else(|| messages.values().next())
        .cloned()
        .unwrap_or_else(|| {
            format!(
                "Hello, this is {} calling about {}. Please call us back. Thank you.",
                call.agent.name, call.use_case.name
            )
        })
}
