//! Dialing: one call, a batch, or a campaign. Calls are created `Scheduled` or `Queued`; the
//! engine takes them from there. Everything a request asks for is checked before anything
//! is stored, and every bad field is reported at once.

pub mod context;
pub mod idempotency;
pub mod item;
mod outbound;
mod schedule;
pub mod scheduled;

pub use outbound::{batched, build_one, outbound};
pub use scheduled::{CampaignIn, campaign, campaign_calls, csv_rows, prepare};

/// Most calls one request may create.
pub const MAX_CALLS_PER_REQUEST: usize = 10_000;
