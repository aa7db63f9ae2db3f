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

use crate::call_leg::SignalEvent;
use crate::established::EstablishedCall;

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
    pub sdp_offer: String,
}

impl OutboundCall {
    pub async fn follow(mut self, mut invite: JoinHandle<InviteAsyncResult>) {
        let ring_deadline = tokio::time::sleep(self.ring_timeout);
        tokio::pin!(ring_deadline);
        let mut we_hung_up_first = false;
        // A far end that answers and hangs up at once (BYE right after our ACK) can end
        // the dialog before the INVITE task completes: that is a short call, not a
        // failure, and its end is not seen again on the state channel.
        let mut terminated = false;
        let outcome = loop {
            // Biased so provisional states, which the stack queues before the
            // INVITE task completes, are reported before the final outcome.
            tokio::select! {
                biased;
                Some(state) = self.states.recv() => terminated |= self.report_provisional(state),
                outcome = &mut invite => break outcome,
                () = &mut ring_deadline, if !we_hung_up_first => {
                    if self.ended.swap(true, Ordering::SeqCst) {
                        // `CallLeg::hang_up` already sent the CANCEL; its 487 is reported.
                        we_hung_up_first = true;
                        continue;
                    }
                    // Dropping `invite` detaches the stack's INVITE task: it still
                    // takes the 487, or ACKs and BYEs a 2xx that crosses the CANCEL.
                    self.cancel_unanswered().await;
                    return;
                }
                () = self.cancel.cancelled() => return,
            }
        };

        let final_response = match outcome {
            Ok(Ok((_, response))) => response,
            Ok(Err(error)) => {
                warn!(call_id = %self.call_id(), %error, "INVITE failed");
                self.reject(500, error.to_string());
                return;
            }
            Err(join_error) => {
                warn!(call_id = %self.call_id(), %join_error, "INVITE task ended abnormally");
                self.reject(500, join_error.to_string());
                return;
            }
        };
        match final_response {
            Some(response) if response.status_code.kind() == StatusCodeKind::Successful => {
                self.answered(response, terminated).await;
            }
            Some(response) => self.reject(response.status_code.code(), reason_phrase(&response)),
            None => self.reject_with(StatusCode::RequestTimeout),
        }
    }

    /// Reports a ringing state; `true` when the state says the dialog ended.
    fn report_provisional(&self, state: DialogState) -> bool {
        match state {
            DialogState::Early(_, response) => {
                let code = response.status_code.code();
                debug!(call_id = %self.call_id(), code, "provisional response");
                self.events.send(SignalEvent::Ringing { code }).ok();
                false
            }
            DialogState::Terminated(..) => true,
            _ => false,
        }
    }

    async fn cancel_unanswered(&self) {
        info!(call_id = %self.call_id(), timeout = ?self.ring_timeout, "no answer, cancelling");
        if let Err(error) = self.dialog.cancel().await {
            warn!(call_id = %self.call_id(), %error, "CANCEL failed");
        }
        self.events.send(SignalEvent::NoAnswer).ok();
    }

    fn reject(&self, code: u16, reason: String) {
        info!(call_id = %self.call_id(), code, %reason, "call rejected");
        self.ended.store(true, Ordering::SeqCst);
        self.events
            .send(SignalEvent::Rejected { code, reason })
            .ok();
    }

    fn reject_with(&self, status: StatusCode) {
        self.reject(status.code(), status.text().to_owned());
    }

    async fn answered(self, response: Response, terminated: bool) {
        let terminated = terminated || matches!(self.dialog.state(), DialogState::Terminated(..));
        // A 2xx that crossed our CANCEL is ACKed and ended with a BYE by the stack.
        if terminated && self.ended.load(Ordering::SeqCst) {
            self.reject_with(StatusCode::RequestTerminated);
            return;
        }
        info!(call_id = %self.call_id(), "answered");
        let sdp = String::from_utf8_lossy(&response.body).into_owned();
        self.events.send(SignalEvent::Answered { sdp }).ok();
        if terminated {
            // The far end hung up before we got here (its BYE was already answered).
            info!(call_id = %self.call_id(), "hung up at once");
            self.ended.store(true, Ordering::SeqCst);
            self.events.send(SignalEvent::HungUp).ok();
            self.dialog_layer.remove_dialog(&self.dialog.id());
            return;
        }
        let established = EstablishedCall {
            dialog_layer: self.dialog_layer,
            dialog: self.dialog,
            states: self.states,
            ended: self.ended,
            events: self.events,
            cancel: self.cancel,
            local_sdp: self.sdp_offer,
            caller_ack: None,
        };
        established.follow().await;
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
