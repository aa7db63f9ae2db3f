//! The call engine: it takes the calls that the API created and makes them happen.
//!
//! * [`scheduler`]: due `Scheduled` calls become `Queued`; `Queued` calls are claimed
//!   (working hours, per-organization concurrency) and handed to the telephony provider.
//! * [`agent`]: the conversation: the call's prompt, played by the scripted agent or a
//!   model, and its tools, which are HTTP endpoints of the integrator's.
//! * [`provider`]: the telephony provider trait; [`sim`] is the simulated network (§9);
//!   a provider that reports events as they happen (SIP) reaches the engine through a
//!   [`provider::EngineLink`].
//! * [`runner`]: applies provider events to live calls through the state machine, ends
//!   them, and runs the analysis ([`analysis`]), recording ([`blob`]) and webhooks.
//! * [`webhooks`]: signing, the SSRF guard, retries, and the outbox worker.
//! * [`llm`]: the one client of an OpenAI-compatible API, for the analysis and the agent.
//! * [`exports`]: the CSV export worker.
//! * [`feed`]: the live feed of call changes (status, transcript lines) for the review app.
//! * [`test_clock`]: the sandbox's per-organization time and its `advance`.
//! * [`worker`]: the pattern both background workers follow: a pass, the loop that repeats
//!   it (start, wake, shut down) and leases.
//!
//! Nothing here sleeps to wait for time to pass: [`Engine::run_due`] does everything that
//! is due at the clock's `now`, so tests step the engine with a manual clock.

pub mod agent;
pub mod analysis;
pub mod blob;
pub mod config;
mod control;
mod engine;
mod events;
pub mod exports;
pub mod feed;
mod finish;
pub mod hours;
mod inbox;
mod live;
pub mod llm;
pub mod provider;
mod relay;
mod retries;
mod runner;
mod scheduler;
pub mod sim;
pub mod sip;
pub mod test_clock;
pub mod webhooks;
pub mod worker;

pub use engine::{Engine, EngineError, EngineParts, PassReport};
pub use finish::recording_key;
pub use test_clock::AdvanceReport;
