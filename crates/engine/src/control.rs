//! Stop and cancel (contract §4 #9, #10), as the API asks for them. Both go through the
//! state machine; a stopped live call is then hung up and finished by the engine (woken at
//! once), a canceled one never reaches the network and gets its `end` webhook here.

use crate::engine::Engine;
use crate::events;
use switchyard_core::call::Call;
use switchyard_core::lifecycle::CallEvent;
use switchyard_core::store::{CallProgress, RunChange, StoreError, StoreResult};
use switchyard_core::{CallId, OrgId};

/// Attempts when the call changes between reading and writing it.
const ATTEMPTS: usize = 5;

impl Engine {
    /// `Initiated`/`Ringing` -> `Canceled`, `In progress` -> `Completed`, `end_reason:
    /// stopped`; `IllegalTransition` for any other status.
    pub async fn stop_call(&self, org: OrgId, id: CallId) -> StoreResult<Call> {
        let call = self
            .control(org, id, CallEvent::Stop, "stopped through the API")
            .await?;
        self.wake();
        Ok(call)
    }

    /// `Scheduled`/`Queued` -> `Canceled`; `IllegalTransition` for any other status.
    pub async fn cancel_call(&self, org: OrgId, id: CallId) -> StoreResult<Call> {
        self.control(org, id, CallEvent::Cancel, "canceled through the API")
            .await
    }

    async fn control(
        &self,
        org: OrgId,
        id: CallId,
        event: CallEvent,
        why: &str,
    ) -> StoreResult<Call> {
        for _ in 0..ATTEMPTS {
            let mut call = self.store.get_call(org, id).await?;
            let expected = call.status;
            let now = self.now_for(org);
            let mut logs = Vec::new();
            events::transition(&mut call, event, now, why, &mut logs)?;
            let webhooks = match event {
                CallEvent::Cancel => {
                    let hooks = self.current_hooks(&call).await?;
                    events::end_webhooks(&call, &hooks, &[], &Default::default(), now)
                }
                _ => Vec::new(),
            };
            let progress = CallProgress {
                call,
                expected_status: expected,
                logs,
                webhooks,
                transcript: None,
                run: RunChange::Keep,
                new_calls: Vec::new(),
            };
            match self.save_progress(progress).await {
                Err(StoreError::Conflict(_)) => continue,
                saved => return saved,
            }
        }
        Err(StoreError::Conflict(
            "the call keeps changing: try again".to_owned(),
        ))
    }
}
