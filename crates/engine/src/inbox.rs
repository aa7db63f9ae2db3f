//! Events a provider reported (a SIP answer, a hang-up) that the engine has not applied
//! yet, per call: they wait here until the engine next looks at the call.

use std::collections::HashMap;
use std::sync::Mutex;
use switchyard_core::CallId;
use switchyard_core::run::PlannedEvent;

#[derive(Default)]
pub(crate) struct Inbox(Mutex<HashMap<CallId, Vec<PlannedEvent>>>);

impl Inbox {
    pub(crate) fn push(&self, call: CallId, event: PlannedEvent) {
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
