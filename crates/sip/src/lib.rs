//! SIP signalling for phone calls through a SIP trunk, over UDP.
//!
//! The transaction and dialog work (retransmissions, ACKs, CANCEL, digest
//! auth) is rsipstack's; this crate turns its dialog states into the few
//! events a call engine acts on ([`SignalEvent`]).

mod call_leg;
mod endpoint;
mod error;
mod established;
mod inbound;
mod outbound;
pub mod sdp;
mod settings;

pub use call_leg::{CallLeg, SignalEvent};
pub use endpoint::SipEndpoint;
pub use error::SipError;
pub use inbound::IncomingCall;
pub use sdp::RemoteMedia;
pub use settings::SipSettings;
