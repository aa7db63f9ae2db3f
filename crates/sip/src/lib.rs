//! SIP signalling for phone calls through a SIP trunk, over UDP.
//!
//! The transaction and dialog work (retransmissions, ACKs, CANCEL, digest
//! auth) is rsipstack's; this crate turns its dialog states into the few
//! events a call engine acts on ([`SignalEvent`]).
//!
//! ```no_run
//! # async fn call() -> Result<(), switchyard_sip::SipError> {
//! use switchyard_sip::{SignalEvent, SipEndpoint, SipSettings, sdp};
//! use tokio_util::sync::CancellationToken;
//!
//! let settings = SipSettings {
//!     trunk: Some("sip:203.0.113.5:5060".into()),
//!     ..SipSettings::default()
//! };
//! let (endpoint, _incoming_calls) = SipEndpoint::start(settings, CancellationToken::new()).await?;
//! let offer = sdp::offer(endpoint.local_addr().ip(), 40000);
//! let (leg, mut events) = endpoint.invite("+14155550100", "+14155550123", offer).await?;
//! while let Some(event) = events.recv().await {
//!     if let SignalEvent::Answered { sdp: answer } = event {
//!         let media = sdp::parse(&answer)?; // where to send RTP, and which codec
//!         # let _ = media;
//!         leg.hang_up().await?;
//!     }
//! }
//! # Ok(())
//! # }
//! ```

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
