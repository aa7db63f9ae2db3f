use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteAsyncResult;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Response, StatusCode, StatusCodeKind};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::call_leg::{SignalEvent, follow_established_dialog};

/// An INVITE we sent, followed until it is answered or fails.
pub(crate) struct OutboundCall {
    pub dialog_layer: Arc<DialogLayer>,
    pub dialog: InviteDialog,
    pub states: DialogStateReceiver,
    /// Shared with the call's `CallLeg`s: set once either side ended the call.
    pub ended: Arc<AtomicBool>,
    pub ring_timeout: Duration,
    pub events: mpsc::UnboundedSender<SignalEvent>,
    pub cancel: CancellationToken,
}

impl OutboundCall {
    pub async fn follow(mut self, mut invite: JoinHandle<InviteAsyncResult>) {
        let ring_deadline = tokio::time::sleep(self.ring_timeout);
        tokio::pin!(ring_deadline);
        let mut ring_timed_out = false;
        let outcome = loop {
            // Biased so provisional states, which the stack queues before the
            // INVITE task completes, are reported before the final outcome.
            tokio::select! {
                biased;
                Some(state) = self.states.recv() => self.report_provisional(state),
                outcome = &mut invite => break outcome,
                () = &mut ring_deadline, if !ring_timed_out => {
                    ring_timed_out = true;
                    self.cancel_unanswered().await;
                }
                () = self.cancel.cancelled() => return,
            }
        };

        let final_response = match outcome {
            Ok(Ok((_, response))) => response,
            Ok(Err(error)) => {
                warn!(call_id = %self.call_id(), %error, "INVITE failed");
                self.finish_unanswered(ring_timed_out, 500, error.to_string());
                return;
            }
            Err(join_error) => {
                warn!(call_id = %self.call_id(), %join_error, "INVITE task ended abnormally");
                self.finish_unanswered(ring_timed_out, 500, join_error.to_string());
                return;
            }
        };
        match final_response {
            Some(response) if response.status_code.kind() == StatusCodeKind::Successful => {
                self.answered(response, ring_timed_out).await;
            }
            Some(response) => {
                let code = response.status_code.code();
                self.finish_unanswered(ring_timed_out, code, reason_phrase(&response));
            }
            None => {
                let timeout = StatusCode::RequestTimeout;
                self.finish_unanswered(ring_timed_out, timeout.code(), timeout.text().to_owned());
            }
        }
    }

    fn report_provisional(&self, state: DialogState) {
        if let DialogState::Early(_, response) = state {
            let code = response.status_code.code();
            debug!(call_id = %self.call_id(), code, "provisional response");
            self.events.send(SignalEvent::Ringing { code }).ok();
        }
    }

    async fn cancel_unanswered(&self) {
        info!(call_id = %self.call_id(), timeout = ?self.ring_timeout, "no answer, cancelling");
        self.ended.store(true, Ordering::SeqCst);
        if let Err(error) = self.dialog.cancel().await {
            warn!(call_id = %self.call_id(), %error, "CANCEL failed");
        }
    }

    fn finish_unanswered(&self, ring_timed_out: bool, code: u16, reason: String) {
        self.ended.store(true, Ordering::SeqCst);
        let event = if ring_timed_out {
            SignalEvent::NoAnswer
        } else {
            info!(call_id = %self.call_id(), code, %reason, "call rejected");
            SignalEvent::Rejected { code, reason }
        };
        self.events.send(event).ok();
    }

    async fn answered(self, response: Response, ring_timed_out: bool) {
        // A 2xx that crossed our CANCEL is ACKed and ended with a BYE by the stack.
        if matches!(self.dialog.state(), DialogState::Terminated(..)) {
            let cancelled = StatusCode::RequestTerminated;
            self.finish_unanswered(
                ring_timed_out,
                cancelled.code(),
                cancelled.text().to_owned(),
            );
            return;
        }
        info!(call_id = %self.call_id(), "answered");
        let sdp = String::from_utf8_lossy(&response.body).into_owned();
        self.events.send(SignalEvent::Answered { sdp }).ok();
        follow_established_dialog(
            self.dialog_layer,
            self.dialog,
            self.states,
            self.ended,
            self.events,
            self.cancel,
        )
        .await;
    }

    fn call_id(&self) -> String {
        self.dialog.id().call_id
    }
}

/// The phrase the far end wrote, else the standard one for the code.
fn reason_phrase(response: &Response) -> String {
    response
        .wire_reason
        .clone()
        .unwrap_or_else(|| response.status_code.text().to_owned())
}
