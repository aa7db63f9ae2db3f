//! The webhook delivery ledger: every delivery of the organization's calls with its
//! attempts (any member reads it), and replays (Representatives and Owners), which the
//! engine's outbox worker sends at once as one more attempt.

pub mod query;

use crate::auth::Caller;
use crate::{ServiceResult, Services};
use query::DeliveryParams;
use serde::Serialize;
use switchyard_core::enums::Role;
use switchyard_core::time::Timestamp;
use switchyard_core::use_case::masked_url;
use switchyard_core::webhook::{DeliveryQuery, DeliveryRecord, DeliveryState, WebhookAttempt};
use switchyard_core::{CallId, DeliveryId};
use utoipa::ToSchema;

/// A page of deliveries, newest first.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookDeliveryPage)]
pub struct DeliveryPage {
    pub data: Vec<DeliveryOut>,
    /// The `cursor` of the next page, or null after the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One event sent to one hook, with every attempt at it.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookDelivery)]
pub struct DeliveryOut {
    pub id: DeliveryId,
    pub call_id: CallId,
    /// `start` or `end`.
    pub event_type: String,
    /// The event's number on its call, from 1 in the order the call's events happened;
    /// the deliveries of one event to several hooks share it, so receivers can order the
    /// events they get.
    pub sequence: u32,
    /// Where it is sent. Its password and query values read `********` to everyone but
    /// Owners, as hooks' do.
    pub url: String,
    /// The `webhook-id` header of every attempt, replays included: receivers deduplicate
    /// on it.
    pub webhook_id: String,
    pub state: DeliveryState,
    /// Oldest first.
    pub attempts: Vec<AttemptOut>,
    /// When the event happened.
    pub created_at: Timestamp,
}

/// One HTTP attempt at a delivery.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookAttempt)]
pub struct AttemptOut {
    pub at: Timestamp,
    /// The receiver's HTTP status; null when no answer came.
    #[schema(required = true)]
    pub status: Option<u16>,
    /// Until the receiver's answer (its status and headers), or the error.
    pub duration_ms: u64,
    /// The first 512 bytes of the answer's body, as UTF-8 (invalid bytes replaced); null
    /// when no answer came.
    #[schema(required = true)]
    pub response_excerpt: Option<String>,
    /// Why no answer came, as the call's logs say it (refused by the address guard, timed
    /// out, connection refused, ...); null when one came.
    #[schema(required = true)]
    pub error: Option<String>,
}

impl DeliveryOut {
    /// The delivery as `caller` may see it: hook URLs carry credentials, which only Owners
    /// (who write them) read.
    fn new(record: DeliveryRecord, caller: &Caller) -> DeliveryOut {
        let url = if caller.role >= Role::Owner {
            record.url
        } else {
            masked_url(&record.url)
        };
        DeliveryOut {
            webhook_id: record.id.to_string(),
            id: record.id,
            call_id: record.call_id,
            event_type: record.event_type,
            sequence: record.sequence,
            url,
            state: record.state,
            attempts: record.attempts.into_iter().map(AttemptOut::from).collect(),
            created_at: record.created_at,
        }
    }
}

impl From<WebhookAttempt> for AttemptOut {
    fn from(attempt: WebhookAttempt) -> AttemptOut {
        AttemptOut {
            at: attempt.at,
            status: attempt.status,
            duration_ms: attempt.duration_ms,
            response_excerpt: attempt.response_excerpt,
            error: attempt.error,
        }
    }
}

/// The organization's deliveries, newest first, filtered and paged by cursor. Any member.
pub async fn list(
    services: &Services,
    caller: &Caller,
    params: &DeliveryParams,
) -> ServiceResult<DeliveryPage> {
    let (query, fingerprint) = params.parse()?;
    let page_size = query.limit as usize;
    // One more than the page: if it comes, there is a next page.
    let one_more = DeliveryQuery {
        limit: query.limit + 1,
        ..query
    };
    let mut records = services
        .store
        .list_deliveries(caller.organization_id, &one_more)
        .await?;
    let more = records.len() > page_size;
    records.truncate(page_size);
    let next_cursor = records
        .last()
        .filter(|_| more)
        .map(|last| fingerprint.cursor(last));
    Ok(DeliveryPage {
        data: records
            .into_iter()
            .map(|record| DeliveryOut::new(record, caller))
            .collect(),
        next_cursor,
    })
}

/// Sends a finished delivery again (same body, same `webhook-id`, signed afresh) as one
/// more attempt, which the engine makes at once and does not retry. Representatives and
/// Owners. `Conflict` while the delivery is still pending.
pub async fn replay(
    services: &Services,
    caller: &Caller,
    id: DeliveryId,
) -> ServiceResult<DeliveryOut> {
    caller.require(Role::Representative)?;
    let org = caller.organization_id;
    let now = services.clock.now_for(org);
    let record = services.store.replay_delivery(org, id, now).await?;
    if services.clock.frozen_at(org).is_some() {
        // A frozen organization's work runs only when its clock moves, and a replay is
        // not worth a move: it is attempted now, before the answer.
        services.engine.advance_test_clock(org, now).await?;
    } else {
        services.engine.wake();
    }
    Ok(DeliveryOut::new(record, caller))
}
