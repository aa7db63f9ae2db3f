use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rsipstack::dialog::invite_dialog::InviteDialog;
use tokio::sync::watch;
use tracing::debug;

use crate::SipError;

/// What happens to a call leg, as the call engine needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignalEvent {
    /// A provisional response other than 100 Trying (180 Ringing, 183 Session Progress).
    Ringing { code: u16 },
    /// 200 OK to our INVITE, already ACKed.
    Answered { sdp: String },
    /// A final non-2xx response, including 487 after our own CANCEL.
    Rejected { code: u16, reason: String },
    /// The ring timeout elapsed and the INVITE was cancelled.
    NoAnswer,
    /// The far end ended the call (its BYE was answered 200).
    HungUp,
}

/// How long the stack retransmits a 2xx waiting for its ACK (64*T1).
const ACK_WAIT: Duration = Duration::from_secs(32);

/// A cheap handle on one call's dialog; clones share it.
#[derive(Clone)]
pub struct CallLeg {
    call_id: Arc<str>,
    dialog: InviteDialog,
    ended: Arc<AtomicBool>,
    /// For a call we answered: turns true once the caller ACKed our 200 OK.
    caller_ack: Option<watch::Receiver<bool>>,
}

impl std::fmt::Debug for CallLeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLeg")
            .field("call_id", &self.call_id)
            .finish_non_exhaustive()
    }
}

impl CallLeg {
    pub(crate) fn outbound(dialog: InviteDialog, ended: Arc<AtomicBool>) -> Self {
        Self {
            call_id: dialog.id().call_id.into(),
            dialog,
            ended,
            caller_ack: None,
        }
    }

    pub(crate) fn inbound(
        dialog: InviteDialog,
        ended: Arc<AtomicBool>,
        caller_ack: watch::Receiver<bool>,
    ) -> Self {
        Self {
            caller_ack: Some(caller_ack),
            ..Self::outbound(dialog, ended)
        }
    }

    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// CANCEL before the answer, BYE after it; a no-op once the call ended.
    pub async fn hang_up(&self) -> Result<(), SipError> {
        if self.ended.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        if let Some(caller_ack) = &self.caller_ack {
            // RFC 3261 section 15.1.1: no BYE before the ACK of our 2xx (the stack
            // would send it), unless the ACK never comes.
            let mut caller_ack = caller_ack.clone();
            let wait = caller_ack.wait_for(|received| *received);
            tokio::time::timeout(ACK_WAIT, wait).await.ok();
        }
        debug!(call_id = %self.call_id, "hanging up");
        self.dialog.hangup().await?;
        Ok(())
    }
}
