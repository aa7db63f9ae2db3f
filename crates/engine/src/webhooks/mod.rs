//! Webhooks (contract §7), delivered the svix way (STYLE 11): a durable outbox, the
//! Standard Webhooks `webhook-id`/`webhook-timestamp`/`webhook-signature` headers, an SSRF
//! guard checked after DNS resolution, retries with jitter, and every attempt in the
//! ledger (`GET /webhooks/deliveries`) and the call's logs.
//!
//! * [`sign`]: secrets and signatures.
//! * [`guard`]: which destinations may be reached.
//! * [`sender`]: one HTTP attempt.
//! * [`retry`]: what follows an attempt (a replay's one attempt included).
//! * [`worker`]: claims due deliveries, sends them, records the outcomes.

pub mod guard;
mod reachability;
pub mod retry;
pub mod sender;
pub mod sign;
pub mod worker;

pub use sender::{AttemptResult, WebhookSender};
pub use worker::deliver_due;
