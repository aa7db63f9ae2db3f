use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TransactionHandle};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Method, Request, StatusCode};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::call_leg::SignalEvent;

/// An answered call, followed until either side ends it.
pub(crate) struct EstablishedCall {
    pub dialog_layer: Arc<DialogLayer>,
    pub dialog: InviteDialog,
    pub states: DialogStateReceiver,
    /// Shared with the call's `CallLeg`s: set once either side ended the call.
    pub ended: Arc<AtomicBool>,
    pub events: mpsc::UnboundedSender<SignalEvent>,
    pub cancel: CancellationToken,
    /// The SDP we sent (offer or answer), repeated to a session refresh.
    pub local_sdp: String,
    /// For a call we answered: told when the caller's ACK arrives.
    pub caller_ack: Option<watch::Sender<bool>>,
}

impl EstablishedCall {
    /// Reports the far end's BYE (or a dialog lost to timeouts) as `HungUp`,
    /// unless we ended the call ourselves, and forgets the dialog once it ended.
    pub async fn follow(mut self) {
        loop {
            let state = tokio::select! {
                state = self.states.recv() => state,
                () = self.cancel.cancelled() => break,
            };
            match state {
                Some(DialogState::Terminated(id, reason)) => {
                    debug!(%id, ?reason, "dialog terminated");
                    if !self.ended.swap(true, Ordering::SeqCst) {
                        self.events.send(SignalEvent::HungUp).ok();
                    }
                    break;
                }
                Some(DialogState::Confirmed(..)) => {
                    if let Some(caller_ack) = &self.caller_ack {
                        caller_ack.send_replace(true);
                    }
                }
                Some(DialogState::Updated(_, request, handle)) => {
                    self.answer_session_update(&request, handle).await;
                }
                // The stack answers 501 to a request whose handle is dropped unanswered.
                Some(DialogState::Info(_, _, handle) | DialogState::Options(_, _, handle)) => {
                    handle.reply(StatusCode::OK).await.ok();
                }
                Some(_) => {}
                None => {
                    warn!(id = %self.dialog.id(), "dialog state channel closed");
                    break;
                }
            }
        }
        self.dialog_layer.remove_dialog(&self.dialog.id());
    }

    /// A re-INVITE or UPDATE mid-call is mostly a session-timer refresh
    /// (RFC 4028): the media stays as it is, so the answer is our SDP again.
    /// Carriers tear the call down when a refresh fails.
    async fn answer_session_update(&self, request: &Request, handle: TransactionHandle) {
        info!(id = %self.dialog.id(), method = %request.method, "session refreshed");
        let needs_sdp = request.method == Method::Invite || !request.body.is_empty();
        let (headers, body) = if needs_sdp {
            let content_type = Header::ContentType("application/sdp".into());
            (
                Some(vec![content_type]),
                Some(self.local_sdp.clone().into_bytes()),
            )
        } else {
            (None, None)
        };
        if let Err(error) = handle.respond(StatusCode::OK, headers, body).await {
            warn!(id = %self.dialog.id(), %error, "session refresh unanswered");
        }
    }
}
