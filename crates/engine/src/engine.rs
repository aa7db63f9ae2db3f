//! The engine as one value: its parts and one pass over everything due
//! ([`Engine::run_due`]); `crate::worker` runs the loop that repeats it.

use crate::agent::tools::ToolCaller;
use crate::analysis::Analyzer;
use crate::blob::BlobStore;
use crate::config::EngineConfig;
use crate::events::EventHooks;
use crate::feed::CallFeed;
use crate::inbox::Inbox;
use crate::llm::ChatApi;
use crate::provider::TelephonyProvider;
use crate::webhooks::guard::Guard;
use crate::webhooks::sender::WebhookSender;
use crate::webhooks::worker as webhook_worker;
use crate::worker::{Leases, Worker, WorkerState};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use switchyard_core::call::Call;
use switchyard_core::run::{Lease, RunState};
use switchyard_core::store::{
    CallProgress, EngineScope, RunChange, Store, StoreError, StoreResult,
};
use switchyard_core::webhook_faults::WebhookFaults;
use switchyard_core::{Clocks, OrgId, Timestamp};

/// Calls, runs and deliveries handled per step of a pass; a pass repeats steps until
/// nothing is left, so this only bounds the size of one transaction.
pub(crate) const BATCH: u32 = 200;

pub struct EngineParts {
    pub store: Arc<dyn Store>,
    pub clock: Arc<Clocks>,
    pub provider: Arc<dyn TelephonyProvider>,
    pub analyzer: Arc<dyn Analyzer>,
    /// The OpenAI-compatible API that plays the agent for calls whose model is not
    /// `scripted`; without it every call is scripted.
    pub chat: Option<Arc<ChatApi>>,
    pub blobs: Arc<dyn BlobStore>,
    pub config: EngineConfig,
    /// Names this instance in leases and logs; unique per process.
    pub instance: String,
}

pub struct Engine {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<Clocks>,
    pub(crate) provider: Arc<dyn TelephonyProvider>,
    pub(crate) analyzer: Arc<dyn Analyzer>,
    pub(crate) chat: Option<Arc<ChatApi>>,
    pub(crate) blobs: Arc<dyn BlobStore>,
    pub(crate) config: EngineConfig,
    pub(crate) worker: WorkerState,
    webhook_sender: WebhookSender,
    pub(crate) tool_caller: ToolCaller,
    pub(crate) clock_locks: ClockLocks,
    pub(crate) inbox: Inbox,
    /// What the engine writes, as it writes it, for the review app's live pages.
    pub(crate) feed: Arc<CallFeed>,
}

/// One lock per organization: a freeze, a return to real time and an advance of the same
/// organization's test clock (`test_clock.rs`) happen one after the other.
#[derive(Default)]
pub(crate) struct ClockLocks(Mutex<HashMap<OrgId, Arc<tokio::sync::Mutex<()>>>>);

impl ClockLocks {
    pub(crate) fn of(&self, org: OrgId) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.0.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(org).or_default().clone()
    }
}

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub enqueued: usize,
    pub dispatched: usize,
    /// Queued calls put off (working hours, the AI backend asleep): the calls behind them
    /// are looked at again in the same pass.
    pub deferred: usize,
    pub advanced: usize,
    pub webhook_attempts: usize,
}

impl PassReport {
    pub fn did_work(&self) -> bool {
        *self != PassReport::default()
    }

    pub(crate) fn add(&mut self, other: PassReport) {
        self.enqueued += other.enqueued;
        self.dispatched += other.dispatched;
        self.deferred += other.deferred;
        self.advanced += other.advanced;
        self.webhook_attempts += other.webhook_attempts;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot set up webhook delivery: {0}")]
    Webhooks(#[from] crate::webhooks::sender::SenderError),
}

impl Engine {
    pub fn new(parts: EngineParts) -> Result<Engine, EngineError> {
        let webhook_sender = WebhookSender::new(&parts.config.webhooks)?;
        let tool_caller = ToolCaller::new(webhook_sender.guard().clone())?;
        Ok(Engine {
            store: parts.store,
            clock: parts.clock,
            provider: parts.provider,
            analyzer: parts.analyzer,
            chat: parts.chat,
            blobs: parts.blobs,
            worker: WorkerState::new(
                Leases::new(parts.instance, parts.config.lease),
                parts.config.poll_interval,
            ),
            config: parts.config,
            webhook_sender,
            tool_caller,
            clock_locks: ClockLocks::default(),
            inbox: Inbox::default(),
            feed: Arc::default(),
        })
    }

    /// What decides which destinations webhooks (and the API, when a hook is saved) may
    /// reach.
    pub fn destination_guard(&self) -> &Guard {
        self.webhook_sender.guard()
    }

    /// Where the call's webhooks go now: its use case's hooks as they are at this moment,
    /// with their credentials. The call's own snapshot of its use case only says whether
    /// the use case had hooks when the call was dialed, with their header values masked
    /// (docs/SECURITY.md), so a call dialed without hooks reads nothing here. A credential
    /// rotated on the use case applies to every call still to notify. On a sandbox server
    /// the organization's webhook faults are read with them, so a change applies to the
    /// next event on any instance.
    pub(crate) async fn current_hooks(&self, call: &Call) -> StoreResult<EventHooks> {
        if call.use_case.hooks.is_empty() {
            return Ok(EventHooks::default());
        }
        let hooks = match self
            .store
            .get_use_case(call.organization_id, call.use_case.id)
            .await
        {
            Ok(use_case) => use_case.hooks,
            Err(StoreError::NotFound(_)) => Vec::new(),
            Err(other) => return Err(other),
        };
        let faults = if self.config.sandbox && !hooks.is_empty() {
            self.store.webhook_faults(call.organization_id).await?
        } else {
            WebhookFaults::default()
        };
        Ok(EventHooks { hooks, faults })
    }

    /// Whether a model other than `scripted` can play the agent (an OpenAI-compatible
    /// endpoint is configured).
    pub fn has_model_endpoint(&self) -> bool {
        self.chat.is_some()
    }

    /// The live feed of this process's call changes.
    pub fn feed(&self) -> &CallFeed {
        &self.feed
    }

    /// Writes a call's progress, then tells the feed what changed.
    pub(crate) async fn save_progress(&self, progress: CallProgress) -> StoreResult<Call> {
        self.save_progress_streamed(progress, 0).await
    }

    /// As [`Engine::save_progress`], when the feed already has the transcript's first
    /// `streamed` messages (a real line's, sent as they were said).
    pub(crate) async fn save_progress_streamed(
        &self,
        progress: CallProgress,
        streamed: usize,
    ) -> StoreResult<Call> {
        let changed = progress.call.status != progress.expected_status;
        let lines = progress
            .transcript
            .as_ref()
            .map(|t| t.messages.get(streamed..).unwrap_or_default().to_vec());
        let new_calls = progress.new_calls.clone();
        let call = self.store.save_call_progress(progress).await?;
        if let Some(lines) = lines {
            self.feed.lines(call.organization_id, call.id, &lines);
        }
        if changed {
            self.feed.status(&call);
        }
        new_calls.iter().for_each(|call| self.feed.status(call));
        self.announce_changes().await;
        Ok(call)
    }

    /// Writes several calls' progress; the feed hears of those written whose status changed.
    pub(crate) async fn save_batch(&self, batch: Vec<CallProgress>) -> StoreResult<Vec<bool>> {
        let changed: Vec<Option<Call>> = batch
            .iter()
            .map(|p| (p.call.status != p.expected_status).then(|| p.call.clone()))
            .collect();
        let saved = self.store.save_progress_batch(batch).await?;
        for (call, _) in changed.iter().zip(&saved).filter(|(_, saved)| **saved) {
            call.iter().for_each(|call| self.feed.status(call));
        }
        self.announce_changes().await;
        Ok(saved)
    }

    /// Asks the loop to run a pass now (a call was dialed, stopped or canceled).
    pub fn wake(&self) {
        self.worker.wake();
    }

    /// The organization's time (its test clock when the sandbox froze it).
    pub(crate) fn now_for(&self, org: OrgId) -> Timestamp {
        self.clock.now_for(org)
    }

    pub(crate) fn lease(&self, now: Timestamp) -> Lease {
        self.worker.leases().at(now)
    }

    /// Keep the run under this instance's lease, due again at its next event (or, waiting
    /// for a carrier's callback, when the lease needs renewing).
    pub(crate) fn keep_run(&self, state: RunState, now: Timestamp) -> RunChange {
        let lease = self.lease(now);
        let next_at = state.next_at().unwrap_or(lease.until);
        RunChange::Save {
            state,
            next_at,
            lease,
        }
    }

    /// Real milliseconds for `sim_secs` of simulated time.
    pub(crate) fn real_millis(&self, sim_secs: f64) -> i64 {
        (sim_secs * 1000.0 / self.config.sim_speed).round() as i64
    }

    /// Simulated seconds for a span of real time.
    pub(crate) fn sim_secs(&self, from: Timestamp, to: Timestamp) -> f64 {
        let real = (to.millis() - from.millis()).max(0) as f64 / 1000.0;
        (real * self.config.sim_speed * 1000.0).round() / 1000.0
    }

    /// Does everything due at the clock's `now` for every organization on real time:
    /// scheduled calls become queued, queued calls are dialed, live calls advance,
    /// webhooks are delivered. Tests call this after moving a manual clock instead of
    /// sleeping. Organizations with a frozen test clock are left to
    /// [`Engine::advance_test_clock`].
    pub async fn run_due(&self) -> StoreResult<PassReport> {
        let scope = if self.config.sandbox {
            EngineScope::RealTime
        } else {
            EngineScope::Everyone
        };
        self.run_due_in(scope).await
    }

    /// One pass over the `scope`, at its time, repeated until nothing is left.
    pub(crate) async fn run_due_in(&self, scope: EngineScope) -> StoreResult<PassReport> {
        let mut report = PassReport::default();
        loop {
            let now = match scope {
                EngineScope::Org(org) => {
                    let now = self.now_for(org);
                    let limit = self.config.concurrency_per_org;
                    if !self.store.has_due_work(org, now, limit).await? {
                        return Ok(report);
                    }
                    now
                }
                EngineScope::Everyone | EngineScope::RealTime => self.clock.now(),
            };
            let enqueued = self.enqueue_due(scope, now).await?;
            let (dispatched, deferred) = self.dispatch_queued(scope, now).await?;
            let step = PassReport {
                enqueued,
                dispatched,
                deferred,
                advanced: self.advance_runs(scope, now).await?,
                webhook_attempts: webhook_worker::deliver_due(
                    self.store.as_ref(),
                    &self.webhook_sender,
                    &self.config.webhooks,
                    webhook_worker::Due {
                        scope,
                        now,
                        signed_at: self.clock.now(),
                        lease: &self.lease(now),
                        limit: BATCH,
                    },
                )
                .await?,
            };
            if !step.did_work() {
                return Ok(report);
            }
            report.add(step);
        }
    }
}

/// Passes finish before shutdown: calls handed to the provider are recorded together at the
/// end of a step (`place_all`), and a pass dropped in between would leave calls the network
/// placed that the store does not know it placed.
#[async_trait::async_trait]
impl Worker for Engine {
    type Report = PassReport;
    const NAME: &'static str = "call engine";
    const INTERRUPTIBLE: bool = false;

    fn state(&self) -> &WorkerState {
        &self.worker
    }

    async fn run_due(&self) -> StoreResult<PassReport> {
        Engine::run_due(self).await
    }

    /// Calls inserted or released on another instance (PostgreSQL's notifications).
    async fn announced(&self) {
        self.store.wait_for_work().await
    }
}
