//! Calls whose provider reports back as things happen (a SIP trunk), rather than scripting
//! them in advance like the simulated network: the provider's reports wait in an inbox
//! until the engine next looks at the call, which they make due at once.

use crate::agent::live::LiveAgent;
use crate::engine::Engine;
use std::collections::HashMap;
use std::sync::{Mutex, Weak};
use switchyard_core::call::Call;
use switchyard_core::run::{PlannedEvent, ProviderEvent};
use switchyard_core::{CallId, OrgId, Timestamp};

/// Reported events not yet applied, per call.
#[derive(Default)]
pub(crate) struct Inbox(Mutex<HashMap<CallId, Vec<PlannedEvent>>>);

impl Inbox {
    fn push(&self, call: CallId, event: PlannedEvent) {
        let mut inbox = self.0.lock().unwrap_or_else(|p| p.into_inner());
        inbox.entry(call).or_default().push(event);
    }

    /// The call's reported events, oldest first; the inbox forgets them.
    pub(crate) fn take(&self, call: CallId) -> Vec<PlannedEvent> {
        let mut inbox = self.0.lock().unwrap_or_else(|p| p.into_inner());
        inbox.remove(&call).unwrap_or_default()
    }

    pub(crate) fn has(&self, call: CallId) -> bool {
        let inbox = self.0.lock().unwrap_or_else(|p| p.into_inner());
        inbox.contains_key(&call)
    }
}

/// What a reporting provider holds of the engine (given by [`Engine::connect_provider`]):
/// where its events go, and the agent of each call it answers.
#[derive(Clone)]
pub struct EngineLink(Weak<Engine>);

impl EngineLink {
    /// The engine's time for the organization.
    pub fn now(&self, org: OrgId) -> Option<Timestamp> {
        self.0.upgrade().map(|engine| engine.now_for(org))
    }

    /// `event` happened to the call just now: the engine applies it on its next look at
    /// the call, which this makes due.
    pub fn report(&self, org: OrgId, call: CallId, event: ProviderEvent) {
        let Some(engine) = self.0.upgrade() else {
            return;
        };
        let at = engine.now_for(org);
        engine.inbox.push(call, PlannedEvent { at, event });
        tokio::spawn(async move {
            engine.make_due(org, call, at).await;
        });
    }

    /// Asks the engine to look for work now (an inbound call was queued).
    pub fn wake(&self) {
        if let Some(engine) = self.0.upgrade() {
            engine.wake();
        }
    }

    /// The agent for `call`, answered at `answered`.
    pub async fn agent(&self, call: &Call, answered: Timestamp) -> Option<LiveAgent> {
        let engine = self.0.upgrade()?;
        Some(engine.live_agent(call, answered).await)
    }

    /// The words played when a call only plays a message: the use case's voicemail in
    /// the call's language (`amd_behavior: Message`).
    pub fn voicemail(&self, call: &Call) -> String {
        crate::runner::voicemail_message(call)
    }
}

impl Engine {
    /// Gives the provider its link to this engine; call once, after wrapping the engine in
    /// an `Arc`.
    pub fn connect_provider(self: &std::sync::Arc<Self>) {
        self.provider
            .connect(EngineLink(std::sync::Arc::downgrade(self)));
    }

    /// Makes the call's run due if the provider reported something about it. Called after
    /// every write of a run, since a report that lands between reading the inbox and
    /// writing the run would otherwise wait for the run's next planned look.
    pub(crate) async fn make_due_if_reported(&self, org: OrgId, call: CallId, now: Timestamp) {
        if self.inbox.has(call) {
            self.make_due(org, call, now).await;
        }
    }

    async fn make_due(&self, org: OrgId, call: CallId, at: Timestamp) {
        if let Err(error) = self.store.wake_run(org, call, at).await {
            tracing::error!(%error, call_id = %call, "cannot make a reported call due");
        }
        self.wake();
    }
}
