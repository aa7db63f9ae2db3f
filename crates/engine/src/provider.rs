//! The telephony provider boundary. The simulated network ([`crate::sim`]) is the default;
//! a real carrier (Twilio) fits the same trait: `place` returns its call sid and no
//! scripted events, and its status callbacks are fed to the engine as [`ProviderEvent`]s.

use async_trait::async_trait;
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
use switchyard_core::run::ProviderEvent;

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
    /// Starts dialing `call.metadata.to` from `call.metadata.from`.
    async fn place(&self, call: &Call, now: Timestamp) -> Result<Placement, ProviderError>;
    /// Hangs up a call the provider placed (stop, max duration). Idempotent.
    async fn hang_up(&self, sid: &str) -> Result<(), ProviderError>;
    /// The call's recording as a WAV file of `duration_secs`, if the provider recorded it.
    async fn recording(
        &self,
        sid: &str,
        call: &Call,
        duration_secs: f64,
    ) -> Result<Option<Vec<u8>>, ProviderError>;
}
