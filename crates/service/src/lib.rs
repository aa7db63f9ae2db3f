//! The product's operations: what a member of an organization can do (dial, review a call,
//! manage use cases, agents, numbers and members, export, ...), checked against their role
//! and scoped to their organization, over the store and the engine.
//!
//! The HTTP API, the review app and the CLI are adapters over this crate: each turns its
//! own input into these functions' typed arguments, and a [`ServiceError`] into its own
//! answer. Nothing here knows about HTTP.
//!
//! * [`auth`]: API keys, the [`Caller`](auth::Caller) they stand for, and the key cache.
//! * [`calls`]: listing, reading, notes, ratings and views, stop, cancel, delete,
//!   transcripts, logs and recording links.
//! * [`dial`]: one call, a batch, a campaign; idempotency.
//! * [`use_cases`], [`agents`], [`prompts`], [`numbers`], [`org`]: configuration and
//!   membership.
//! * [`exports`], [`usage`]: reporting. [`webhooks`]: the ledger of webhook deliveries,
//!   and replays. [`sim`]: simulated inbound calls.
//! * [`keys`]: the organization's API keys (list, create, revoke) for the console.
//! * [`orgs`], [`demo`]: creating organizations and keys (CLI, demo, tests).
//! * [`sandbox`]: what integrators' CI controls (`serve --sandbox`).

pub mod agents;
pub mod auth;
pub mod calls;
pub mod dashboard;
pub mod demo;
pub mod dial;
mod error;
pub mod exports;
pub mod json;
pub mod key_cache;
pub mod keys;
pub mod nullable;
pub mod numbers;
pub mod org;
pub mod orgs;
pub mod prompts;
pub mod recordings;
pub mod sandbox;
pub mod sim;
pub mod usage;
pub mod use_cases;
pub mod validate;
pub mod webhooks;

pub use error::{FieldError, ServiceError, ServiceResult};

use std::sync::Arc;
use switchyard_core::Clocks;
use switchyard_core::store::Store;
use switchyard_engine::Engine;
use switchyard_engine::blob::BlobStore;
use switchyard_engine::exports::ExportWorker;

/// What every operation works with: the store, the clock, the engine and the workers it
/// asks things of. Built once by `serve` (or a test) and shared.
pub struct Services {
    pub store: Arc<dyn Store>,
    /// The world's time and each organization's (`now_for`): the sandbox's test clocks.
    pub clock: Arc<Clocks>,
    /// Stop and cancel go through it; dialing wakes it. On an API-only replica it is
    /// built but not run (another instance's engine does the work).
    pub engine: Arc<Engine>,
    /// Where the engine keeps recordings (the same store it writes to).
    pub blobs: Arc<dyn BlobStore>,
    pub recording_links: recordings::RecordingLinks,
    /// Exports wake it; on an API-only replica it is built but not run.
    pub exports: Arc<ExportWorker>,
    /// API keys recently checked.
    pub keys: Arc<key_cache::KeyCache>,
    /// `serve --sandbox`: test clocks, scenarios, reset, organizations on demand.
    pub sandbox: sandbox::SandboxSettings,
}

impl Services {
    /// The live feed of call changes that this process writes (the engine's progress and
    /// new calls): what the review app's `/events` streams.
    pub fn feed(&self) -> &switchyard_engine::feed::CallFeed {
        self.engine.feed()
    }
}
