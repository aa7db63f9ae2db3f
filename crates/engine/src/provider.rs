//! The telephony provider boundary. The simulated network ([`crate::sim`]) is the default;
//! a real carrier (Twilio) fits the same trait: `place` returns its call sid and no
//! scripted events, and its status callbacks are fed to the engine as [`ProviderEvent`]s.
//!
//! A sandbox scenario reaches the provider as an optional [`FarEnd`], a description of what
//! the other party will do, rather than as a second provider the engine switches to: the
//! provider that placed a call also hangs it up and records it, whatever governs it. The
//! simulated network plays the far end; a real carrier has a real person there and
//! ignores it.

use async_trait::async_trait;
use std::sync::Arc;
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::conversation::Conversation;
use switchyard_core::run::ProviderEvent;
use switchyard_core::scenario::FarEnd;
use switchyard_core::{CallId, OrgId, Timestamp};

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
    fn connect(&self, _link: Arc<dyn EngineLink>) {}
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

/// What a provider that reports as things happen holds of the engine
/// ([`crate::Engine::connect_provider`]): where its events go, and the agent of each call
/// it answers.
#[async_trait]
pub trait EngineLink: Send + Sync + 'static {
    /// The engine's time for the organization; `None` once the engine is gone.
    fn now(&self, org: OrgId) -> Option<Timestamp>;
    /// `event` happened to the call just now: the engine applies it on its next look at
    /// the call, which this makes due.
    fn report(&self, org: OrgId, call: CallId, event: ProviderEvent);
    /// Asks the engine to look for work now (an inbound call was queued).
    fn wake(&self);
    /// The agent for `call`, answered at `answered`; `None` once the engine is gone.
    async fn agent(&self, call: &Call, answered: Timestamp) -> Option<Box<dyn LineAgent>>;
    /// The words of a call that only plays a message: the use case's voicemail in the
    /// call's language (`amd_behavior: Message`).
    fn voicemail(&self, call: &Call) -> String;
}

/// The agent on a real line, turn by turn: told what the far end said (as recognized)
/// and when, in seconds from the answer, it says what to play.
#[async_trait]
pub trait LineAgent: Send {
    /// The first words, said when the far end picks up.
    async fn opening(&mut self, at_secs: f64) -> Reply;
    /// The far end said `text` from `start` to `end`.
    async fn heard(&mut self, text: &str, start: f64, end: f64) -> Reply;
    /// Words of the far end heard after the line closed: kept, not answered.
    fn overheard(&mut self, text: &str, start: f64, end: f64);
    /// The far end has said nothing for a while since the agent's last words.
    fn silence(&mut self) -> Reply;
    /// The agent's words were played from `start` to `end` (cut short by a barge-in,
    /// `end` is when the playback stopped).
    fn said(&mut self, text: &str, start: f64, end: f64);
    /// Something for the call's logs (a barge-in, a machine detected, a speech program
    /// that failed).
    fn log(&mut self, log: NewLog);
    /// The instant `secs` after the answer.
    fn at(&self, secs: f64) -> Timestamp;
    /// The conversation, once the line is closed.
    fn finish(self: Box<Self>) -> Conversation;
}

/// What the agent does next.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    /// Words to play, if any.
    pub say: Option<String>,
    /// Hang up once they are played.
    pub hang_up: bool,
}
