//! From the API's calls to the telephone network: due `Scheduled` calls become `Queued`,
//! and `Queued` calls are claimed (working hours, the AI backend, per-organization
//! concurrency) and handed to the provider. Claim, commit, then call the provider, then
//! record what it said in a new transaction: no transaction is held across the network.

use crate::engine::{BATCH, Engine};
use crate::events;
use crate::hours;
use crate::runner::Changes;
use crate::sim::scenario;
use serde_json::json;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::enums::CallType;
use switchyard_core::id::{CallId, OrgId};
use switchyard_core::lifecycle::{CallEvent, CallStatus};
use switchyard_core::run::{PlannedEvent, RunState};
use switchyard_core::scenario::{FarEnd, Scenario, pick};
use switchyard_core::store::{CallProgress, EngineScope, RunChange, StoreResult};

/// How long a `wait_until_awake` call waits before the AI backend is asked again.
const AWAKE_RECHECK_SECS: i64 = 30;

impl Engine {
    pub(crate) async fn enqueue_due(
        &self,
        scope: EngineScope,
        now: Timestamp,
    ) -> StoreResult<usize> {
        let due = self.store.due_scheduled_calls(scope, now, BATCH).await?;
        let mut batch = Vec::with_capacity(due.len());
        for mut call in due {
            let mut logs = Vec::new();
            events::transition(
                &mut call,
                CallEvent::Enqueue,
                now,
                "its scheduled time has come",
                &mut logs,
            )?;
            batch.push(CallProgress {
                call,
                expected_status: CallStatus::Scheduled,
                logs,
                webhooks: Vec::new(),
                transcript: None,
                run: RunChange::Keep,
                new_calls: Vec::new(),
            });
        }
        // A call canceled meanwhile is simply not written.
        let saved = self.save_batch(batch).await?;
        Ok(saved.into_iter().filter(|saved| *saved).count())
    }

    /// Dials the queued calls that may be dialed now; returns how many were dialed and how
    /// many were put off.
    pub(crate) async fn dispatch_queued(
        &self,
        scope: EngineScope,
        now: Timestamp,
    ) -> StoreResult<(usize, usize)> {
        let limit = match scope {
            // One organization at its limit has nothing to dial: an advance asks at every
            // step, so it asks for no more than the free places.
            EngineScope::Org(org) => {
                let live = self.store.live_runs(org).await?;
                BATCH.min(self.config.concurrency_per_org.saturating_sub(live))
            }
            EngineScope::Everyone | EngineScope::RealTime => BATCH,
        };
        if limit == 0 {
            return Ok((0, 0));
        }
        let queued = self.store.queued_calls(scope, now, limit).await?;
        if queued.is_empty() {
            return Ok((0, 0));
        }
        let ai_available = self.analyzer.is_available().await;
        let mut ready = Vec::new();
        for call in &queued {
            if let Some(until) = self.reason_to_wait(call, now, ai_available).await? {
                self.store
                    .defer_call(call.organization_id, call.id, until)
                    .await?;
            } else {
                ready.push((call.organization_id, call.id));
            }
        }
        let claimed = self
            .store
            .claim_calls(
                &ready,
                self.config.concurrency_per_org,
                &self.lease(now),
                now,
            )
            .await?;
        claimed.iter().for_each(|call| self.feed().status(call));
        let dispatched = claimed.len();
        self.place_all(claimed, now).await?;
        Ok((dispatched, queued.len() - ready.len()))
    }

    /// When a queued call may not be dialed now, until when it waits (and why, in its logs).
    async fn reason_to_wait(
        &self,
        call: &Call,
        now: Timestamp,
        ai_available: bool,
    ) -> StoreResult<Option<Timestamp>> {
        // Inbound calls are answered at any hour (after hours with the use case's message).
        let opening = match call.call_type {
            CallType::Outbound => hours::next_opening(&call.use_case, now),
            CallType::Inbound => None,
        };
        let (until, why) = if let Some(opening) = opening {
            (
                opening,
                format!("outside the use case's working hours; waiting until {opening}"),
            )
        } else if !ai_available && call.wait_until_awake == Some(true) {
            let until = now.plus_seconds(AWAKE_RECHECK_SECS);
            (
                until,
                format!("the AI backend is unavailable; waiting (wait_until_awake) until {until}"),
            )
        } else {
            return Ok(None);
        };
        let log = NewLog::info(now, "scheduler", why, json!({"until": until}));
        self.store
            .append_call_logs(call.organization_id, call.id, &[log])
            .await?;
        Ok(Some(until))
    }

    /// Hands claimed (`Initiated`) calls to the provider, then records what it answered for
    /// all of them in one transaction.
    pub(crate) async fn place_all(&self, calls: Vec<Call>, now: Timestamp) -> StoreResult<()> {
        let mut placed = Vec::with_capacity(calls.len());
        let mut scenarios = HashMap::new();
        for call in calls {
            let far_end = self.far_end(&call, &mut scenarios).await?;
            placed.extend(self.place(call, far_end, now).await?);
        }
        let sids: Vec<String> = placed
            .iter()
            .map(|p| p.call.metadata.call_sid.clone().unwrap_or_default())
            .collect();
        let ids: Vec<(OrgId, CallId)> = placed
            .iter()
            .map(|p| (p.call.organization_id, p.call.id))
            .collect();
        let saved = self.save_batch(placed).await?;
        for (org, id) in ids {
            self.make_due_if_reported(org, id, now).await;
        }
        for (sid, saved) in sids.iter().zip(saved) {
            // Stopped while being placed: hang up now; its run is finished on the next pass.
            if !saved && let Err(error) = self.provider.hang_up(sid).await {
                tracing::warn!(%error, call_sid = %sid, "could not hang up a call stopped while it was placed");
            }
        }
        Ok(())
    }

    /// With `--sandbox`, what the organization's scenario for the call's far-end number
    /// makes the other party do; `scenarios` keeps each organization's, read once a pass.
    async fn far_end(
        &self,
        call: &Call,
        scenarios: &mut HashMap<OrgId, Vec<Scenario>>,
    ) -> StoreResult<Option<FarEnd>> {
        if !self.config.sandbox {
            return Ok(None);
        }
        let org = call.organization_id;
        let known = match scenarios.entry(org) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(self.store.list_scenarios(org).await?),
        };
        let number = scenario::far_end_number(call);
        Ok(pick(known, number).map(|s| scenario::far_end(s, call)))
    }

    /// Asks the provider to place one call: what to record, or `None` if the provider
    /// refused and the call has been finished as `Failed`.
    async fn place(
        &self,
        mut call: Call,
        far_end: Option<FarEnd>,
        now: Timestamp,
    ) -> StoreResult<Option<CallProgress>> {
        let mut logs = Vec::new();
        if let Some(far_end) = &far_end {
            logs.push(NewLog::info(
                now,
                "scenario",
                format!(
                    "scenario {} governs the far end: {}",
                    far_end.scenario_id, far_end.outcome
                ),
                json!({"scenario_id": far_end.scenario_id, "outcome": far_end.outcome}),
            ));
        }
        let mut state = RunState {
            placed_at: Some(now),
            ..RunState::default()
        };
        if let Some(message) = after_hours_message(&call, now) {
            logs.push(NewLog::info(
                now,
                "engine",
                "outside working hours: the after-hours message will be played",
                json!({}),
            ));
            state.message_only = Some(message);
        }
        let placement = self.provider.place(&call, now, far_end.as_ref()).await;
        state.far_end = far_end.map(Box::new);
        match placement {
            Ok(placement) => {
                call.metadata.call_sid = Some(placement.sid.clone());
                logs.push(NewLog::info(
                    now,
                    "provider",
                    format!(
                        "the telephony provider accepted the call ({})",
                        placement.sid
                    ),
                    json!({"call_sid": placement.sid}),
                ));
                state.provider_sid = Some(placement.sid);
                state.planned = placement
                    .script
                    .into_iter()
                    .map(|step| PlannedEvent {
                        at: now.plus_millis(self.real_millis(step.after_secs)),
                        event: step.event,
                    })
                    .collect();
            }
            Err(error) => {
                logs.push(NewLog::error(now, "provider", error.to_string(), json!({})));
                let changes = Changes {
                    logs,
                    ..Changes::default()
                };
                self.finish(
                    call,
                    CallStatus::Initiated,
                    state,
                    Some(CallEvent::ProviderError),
                    now,
                    changes,
                )
                .await?;
                return Ok(None);
            }
        }
        Ok(Some(CallProgress {
            call,
            expected_status: CallStatus::Initiated,
            logs,
            webhooks: Vec::new(),
            transcript: None,
            run: self.keep_run(state, now),
            new_calls: Vec::new(),
        }))
    }
}

/// What an inbound call outside its use case's working hours hears instead of the agent,
/// or `None` within them (and for outbound calls).
pub(crate) fn after_hours_message(call: &Call, now: Timestamp) -> Option<String> {
    if call.call_type != CallType::Inbound || hours::is_open(&call.use_case, now) {
        return None;
    }
    Some(call.use_case.generic_after_hours_message.clone().unwrap_or_else(|| {
        "Thank you for calling. We are closed right now; please call again during our working hours.".to_owned()
    }))
}
