//! Webhook deliveries waiting in the durable outbox (contract §7).

use crate::Timestamp;
use crate::id::{CallId, DeliveryId, OrgId};
use crate::use_case::HookHeader;

/// A delivery to enqueue: the body is fixed when the event happens, so every attempt sends
/// the same bytes under the same `webhook-id`.
#[derive(Clone, Debug, PartialEq)]
pub struct NewWebhook {
    pub id: DeliveryId,
    pub event_type: String,
    pub url: String,
    pub headers: Vec<HookHeader>,
    pub body: String,
    /// When the event happened; the first attempt is due then.
    pub created_at: Timestamp,
}

/// A delivery claimed from the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookDelivery {
    pub id: DeliveryId,
    pub organization_id: OrgId,
    pub call_id: CallId,
    pub event_type: String,
    pub url: String,
    pub headers: Vec<HookHeader>,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub created_at: Timestamp,
}

/// What became of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookOutcome {
    Delivered,
    /// Try again at `retry_at`.
    Retry {
        retry_at: Timestamp,
    },
    /// No more attempts.
    GaveUp,
}
