use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Header, Method, Request, StatusCode, Uri};
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transaction::transaction::Transaction;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::SipError;
use crate::call_leg::{CallLeg, SignalEvent};
use crate::established::EstablishedCall;

/// A call the far end offers us; answer it with [`IncomingCall::accept`] or
/// [`IncomingCall::reject`].
pub struct IncomingCall {
    /// User part of the From URI (the caller's number).
    pub from: String,
    /// User part of the request URI, else of the To URI (the number called).
    pub to: String,
    pub sdp_offer: String,
    call_id: String,
    dialog: InviteDialog,
    /// Taken by `accept` or `reject`; still here on drop means nobody answered.
    states: Option<DialogStateReceiver>,
    dialog_layer: Arc<DialogLayer>,
    cancel: CancellationToken,
}

impl std::fmt::Debug for IncomingCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingCall")
            .field("call_id", &self.call_id)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

impl IncomingCall {
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// Sends 200 OK with `sdp_answer`; the stack retransmits it until the caller's ACK.
    pub async fn accept(
        mut self,
        sdp_answer: String,
    ) -> Result<(CallLeg, mpsc::UnboundedReceiver<SignalEvent>), SipError> {
        let states = self.states.take().ok_or(SipError::CallEnded)?;
        if matches!(self.dialog.state(), DialogState::Terminated(..)) {
            self.dialog_layer.remove_dialog(&self.dialog.id());
            return Err(SipError::CallEnded);
        }
        let content_type = Header::ContentType("application/sdp".into());
        self.dialog.accept(
            Some(vec![content_type]),
            Some(sdp_answer.clone().into_bytes()),
        )?;
        info!(call_id = %self.call_id(), "incoming call accepted");

        let ended = Arc::new(AtomicBool::new(false));
        let (caller_ack_tx, caller_ack_rx) = watch::channel(false);
        let leg = CallLeg::inbound(self.dialog.clone(), ended.clone(), caller_ack_rx);
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let established = EstablishedCall {
            dialog_layer: self.dialog_layer.clone(),
            dialog: self.dialog.clone(),
            states,
            ended,
            events: events_tx,
            cancel: self.cancel.clone(),
            local_sdp: sdp_answer,
            caller_ack: Some(caller_ack_tx),
        };
        tokio::spawn(established.follow());
        Ok((leg, events_rx))
    }

    /// Answers the INVITE with a final `code`, e.g. 404 for a number nobody has.
    pub async fn reject(mut self, code: u16, reason: &str) {
        info!(call_id = %self.call_id(), code, reason, "incoming call rejected");
        let status = StatusCode::try_from((code, reason)).unwrap_or_else(|_| code.into());
        self.end_unanswered(status);
    }

    fn end_unanswered(&mut self, status: StatusCode) {
        self.states = None;
        if let Err(error) = self.dialog.reject(Some(status), None) {
            warn!(call_id = %self.call_id(), %error, "reject failed");
        }
        self.dialog_layer.remove_dialog(&self.dialog.id());
    }
}

/// A call dropped unanswered would ring on until the caller gives up, and
/// its dialog would stay in the stack: refuse it instead.
impl Drop for IncomingCall {
    fn drop(&mut self) {
        if self.states.is_some() {
            warn!(call_id = %self.call_id(), "incoming call dropped unanswered");
            self.end_unanswered(StatusCode::TemporarilyUnavailable);
        }
    }
}

/// Routes each request that starts a transaction: in-dialog ones to their
/// dialog, new INVITEs to the application as [`IncomingCall`]s.
pub(crate) async fn serve_incoming(
    dialog_layer: Arc<DialogLayer>,
    mut incoming: TransactionReceiver,
    calls: mpsc::UnboundedSender<IncomingCall>,
    cancel: CancellationToken,
) {
    loop {
        let tx = tokio::select! {
            tx = incoming.recv() => tx,
            () = cancel.cancelled() => break,
        };
        let Some(tx) = tx else { break };
        if let Err(error) = route(&dialog_layer, tx, &calls, &cancel).await {
            warn!(%error, "incoming request failed");
        }
    }
    debug!("incoming request loop ended");
}

async fn route(
    dialog_layer: &Arc<DialogLayer>,
    mut tx: Transaction,
    calls: &mpsc::UnboundedSender<IncomingCall>,
    cancel: &CancellationToken,
) -> Result<(), SipError> {
    if tx.original.to_header()?.tag()?.is_some() {
        match dialog_layer.match_dialog(&tx) {
            Some(mut dialog) => {
                tokio::spawn(async move { dialog.handle(&mut tx).await });
            }
            None => tx.reply(StatusCode::CallTransactionDoesNotExist).await?,
        }
        return Ok(());
    }
    match tx.original.method {
        Method::Invite => offer_call(dialog_layer, tx, calls, cancel)?,
        // An ACK outside any dialog answers nothing we sent.
        Method::Ack => {}
        Method::Options => tx.reply(StatusCode::OK).await?,
        Method::Bye | Method::Cancel => tx.reply(StatusCode::CallTransactionDoesNotExist).await?,
        _ => tx.reply(StatusCode::MethodNotAllowed).await?,
    }
    Ok(())
}

fn offer_call(
    dialog_layer: &Arc<DialogLayer>,
    mut tx: Transaction,
    calls: &mpsc::UnboundedSender<IncomingCall>,
    cancel: &CancellationToken,
) -> Result<(), SipError> {
    let from = tx.original.from_header()?.typed()?.uri;
    let to = called_user(&tx.original)?;
    let (states_tx, states_rx) = dialog_layer.new_dialog_state_channel();
    let contact = contact_for(&tx.original, dialog_layer);
    let dialog = dialog_layer.get_or_create_server_invite(&tx, states_tx, None, contact)?;
    let call = IncomingCall {
        from: from.user().unwrap_or_default().to_owned(),
        to,
        sdp_offer: String::from_utf8_lossy(&tx.original.body).into_owned(),
        call_id: dialog.id().call_id,
        dialog: dialog.clone(),
        states: Some(states_rx),
        dialog_layer: dialog_layer.clone(),
        cancel: cancel.clone(),
    };
    info!(call_id = %call.call_id(), from = %call.from, to = %call.to, "incoming call");
    // The dialog drives the INVITE transaction: 100 Trying, our answer, the ACK.
    let mut server_dialog = dialog;
    tokio::spawn(async move { server_dialog.handle(&mut tx).await });
    // Unsent, the call is dropped, which refuses it.
    calls.send(call).ok();
    Ok(())
}

/// Our Contact carries the user that was called, so in-dialog requests name it.
fn contact_for(request: &Request, dialog_layer: &DialogLayer) -> Option<Uri> {
    let user = request.uri.user().map(str::to_owned);
    dialog_layer.build_local_contact(user, None).ok()
}

fn called_user(request: &Request) -> Result<String, SipError> {
    if let Some(user) = request.uri.user() {
        return Ok(user.to_owned());
    }
    let to = request.to_header()?.typed()?;
    Ok(to.uri.user().unwrap_or_default().to_owned())
}
