//! The telephony provider boundary. The simulated network ([`crate::sim`]) is the default;
//! a real carrier (Twilio) fits the same trait: `place` returns its call sid and no
//! scripted events, and its status callbacks are fed to the engine as [`ProviderEvent`]s.
//!
//! A sandbox scenario reaches the provider as an optional [`FarEnd`], a description of what
//! the other party will do, rather than as a second provider the engine switches to: the
//! provider that placed a call also hangs it up and records it, whatever governs it. The
//! simulated network plays the far end; a real carrier has a real person there and
//! ignores it.

use crate::agent::Conversation;
use crate::live::EngineLink;
use async_trait::async_trait;
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
use switchyard_core::run::ProviderEvent;
use switchyard_core::scenario::FarEnd;

/// A call the provider accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// The provider's id for the call (`metadata.call_sid`).
    pub sid: String,
    /// Events the provider already knows will happen, in order (the simulated network
    /// knows its whole script; a real carrier returns none and calls back instead).
    pub script: Vec<ScriptedEvent>,
}

/// An event `after_secs` simulated seconds after the call was placed.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedEvent {
    pub after_secs: f64,
    pub event: ProviderEvent,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the telephony provider refused the call: {0}")]
    Refused(String),
    #[error("the telephony provider is unreachable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait TelephonyProvider: Send + Sync + 'static {
    /// Starts dialing `call.metadata.to` from `call.metadata.from`; `far_end`, when a
    /// sandbox scenario governs the call, is what the other party does.
    async fn place(
        &self,
        call: &Call,
        now: Timestamp,
        far_end: Option<&FarEnd>,
    ) -> Result<Placement, ProviderError>;
    /// Hangs up a call the provider placed (stop, max duration). Idempotent.
    async fn hang_up(&self, sid: &str) -> Result<(), ProviderError>;
    /// Called once with the engine's link, by [`crate::Engine::connect_provider`]: a
    /// provider that reports events as they happen keeps it; one that scripts them in
    /// advance (the simulated network) has no use for it.
    fn connect(&self, _link: EngineLink) {}
    /// The conversation held on the line, once the call is over (a SIP call's real
    /// words); `None` when the provider holds no conversation and the engine lays out the
    /// simulated one.
    async fn conversation(&self, _sid: &str) -> Option<Conversation> {
        None
    }
    /// The call's recording as a WAV file of `duration_secs`, if the provider recorded it.
    async fn recording(
        &self,
        sid: &str,
        call: &Call,
        duration_secs: f64,
        far_end: Option<&FarEnd>,
    ) -> Result<Option<Vec<u8>>, ProviderError>;
}
