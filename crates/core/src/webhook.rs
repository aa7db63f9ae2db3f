//! Webhook deliveries waiting in the durable outbox (contract §7), and the ledger that
//! keeps each delivery with its attempts for as long as its call.

use crate::Timestamp;
use crate::id::{CallId, DeliveryId, OrgId};
use crate::string_enum::string_enum;
use crate::use_case::HookHeader;

/// A delivery to enqueue: the body is fixed when the event happens, so every attempt sends
/// the same bytes under the same `webhook-id`. The deliveries of one event to several
/// hooks come one after another and share `event_type` and `created_at`: the store gives
/// them the event's one sequence number on the call.
#[derive(Clone, Debug, PartialEq)]
pub struct NewWebhook {
    pub id: DeliveryId,
    pub event_type: String,
    pub url: String,
    pub headers: Vec<HookHeader>,
    pub body: String,
    /// When the event happened.
    pub created_at: Timestamp,
    /// When the first attempt is due: the event's time, unless the sandbox's faults
    /// ([`WebhookFaults::apply`]) delay or hold it.
    pub first_attempt_at: Timestamp,
    /// The sandbox's `duplicate` fault: once delivered, it is sent once more.
    pub duplicate: bool,
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
    /// The event's number on its call, from 1: sent as `webhook-sequence`, so that a
    /// receiver can put a call's events in order.
    pub sequence: u32,
    /// A member asked for it to be sent again: this attempt is the replay's only one.
    pub replay: bool,
    /// The sandbox's `duplicate` fault still owes a second send once this one is delivered.
    pub duplicate: bool,
    pub created_at: Timestamp,
}

/// What became of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookOutcome {
    Delivered,
    /// Delivered, and the sandbox's `duplicate` fault sends it once more at `at`.
    SendAgain {
        at: Timestamp,
    },
    /// Try again at `retry_at`.
    Retry {
        retry_at: Timestamp,
    },
    /// No more attempts.
    GaveUp,
}

/// One attempt at a delivery, as the ledger keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookAttempt {
    pub at: Timestamp,
    /// The receiver's HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    pub duration_ms: u64,
    /// The start of the receiver's answer body (valid UTF-8); `None` when no answer came.
    pub response_excerpt: Option<String>,
    /// Why no answer came, in the words of the call's logs (never the server's internals).
    pub error: Option<String>,
}

string_enum! {
    /// `pending` while the engine has an attempt to make (a first one, a retry, or a
    /// replay), then `delivered` (the last attempt got a 2xx) or `failed` (it gave up).
    pub enum DeliveryState { Pending => "pending", Delivered => "delivered", Failed => "failed" }
}

/// A delivery in the ledger, with every attempt recorded since the ledger exists.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryRecord {
    pub id: DeliveryId,
    pub call_id: CallId,
    pub event_type: String,
    /// The event's number on its call, from 1 in the order the events happened.
    pub sequence: u32,
    /// As stored, credentials included: whoever shows it masks it for its reader.
    pub url: String,
    pub state: DeliveryState,
    /// Oldest first.
    pub attempts: Vec<WebhookAttempt>,
    pub created_at: Timestamp,
}

/// Which deliveries of an organization, a page at a time, newest first (`created_at`, then
/// id, both descending).
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryQuery {
    pub call_id: Option<CallId>,
    pub state: Option<DeliveryState>,
    pub limit: u32,
    /// Keyset paging: only the deliveries older than this one.
    pub before: Option<DeliveryKey>,
}

/// Where a delivery sits in the ledger's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryKey {
    pub created: Timestamp,
    pub id: DeliveryId,
}

impl DeliveryRecord {
    pub fn key(&self) -> DeliveryKey {
        DeliveryKey {
            created: self.created_at,
            id: self.id,
        }
    }
}
