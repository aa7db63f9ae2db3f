//! Calls whose provider reports back as things happen (a SIP trunk), rather than scripting
//! them in advance like the simulated network: the provider's link to the engine. A report
//! waits in the engine's inbox and makes the call's run due at once.

use crate::engine::Engine;
use crate::provider::{EngineLink, LineAgent};
use async_trait::async_trait;
use std::sync::{Arc, Weak};
use switchyard_core::call::Call;
use switchyard_core::run::{PlannedEvent, ProviderEvent};
use switchyard_core::{CallId, OrgId, Timestamp};

/// The engine as a reporting provider sees it; weak, so that the provider the engine
/// holds does not keep the engine alive.
struct Link(Weak<Engine>);

#[async_trait]
impl EngineLink for Link {
    fn now(&self, org: OrgId) -> Option<Timestamp> {
        self.0.upgrade().map(|engine| engine.now_for(org))
    }

    fn report(&self, org: OrgId, call: CallId, event: ProviderEvent) {
        let Some(engine) = self.0.upgrade() else {
            return;
        };
        let at = engine.now_for(org);
        engine.inbox.push(call, PlannedEvent { at, event });
        tokio::spawn(async move {
            engine.make_due(org, call, at).await;
        });
    }

    fn wake(&self) {
        if let Some(engine) = self.0.upgrade() {
            engine.wake();
        }
    }

    async fn agent(&self, call: &Call, answered: Timestamp) -> Option<Box<dyn LineAgent>> {
        let engine = self.0.upgrade()?;
        Some(Box::new(engine.live_agent(call, answered).await))
    }

    fn voicemail(&self, call: &Call) -> String {
        crate::runner::voicemail_message(call)
    }
}

impl Engine {
    /// Gives the provider its link to this engine; call once, after wrapping the engine in
    /// an `Arc`.
    pub fn connect_provider(self: &Arc<Self>) {
        self.provider.connect(Arc::new(Link(Arc::downgrade(self))));
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
