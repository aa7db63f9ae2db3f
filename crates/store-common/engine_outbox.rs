// The webhook outbox, which is also the ledger of deliveries (webhook_ledger.rs reads it):
// claims under a lease, each attempt recorded with its outcome, and replays.

use crate::ThisStore;
use crate::engine_calls::{call_exists, insert_logs, scope_condition};
use crate::support::{OrBackend, from_json, get, get_id};
use crate::webhook_ledger;
use switchyard_core::Timestamp;
use switchyard_core::call_log::NewLog;
use switchyard_core::id::{DeliveryId, Entity, OrgId};
use switchyard_core::run::Lease;
use switchyard_core::store::{EngineScope, StoreError, StoreResult};
use switchyard_core::webhook::{
    DeliveryQuery, DeliveryRecord, WebhookAttempt, WebhookDelivery, WebhookOutcome,
};
use switchyard_core::store::WebhookStore;
use switchyard_core::webhook_faults::HELD_UNTIL_END_MILLIS;
use crate::Backend;

/// A delivery the engine still has an attempt to make at (`webhook_outbox_due`).
pub(crate) const PENDING: &str = "delivered_at IS NULL AND gave_up_at IS NULL";

#[async_trait::async_trait]
impl WebhookStore for ThisStore {
    async fn claim_webhooks(
        &self,
        scope: EngineScope,
        now: Timestamp,
        lease: &Lease,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        let mut tx = self.write_tx().await?;
        let (in_scope, org) = scope_condition(scope, "organization_id", 3);
        let rows = sqlx::query(&format!(
            "SELECT id, organization_id, call_id, event_type, url, headers, body, attempts, \
             sequence, replay, duplicate, created_at FROM webhook_outbox WHERE {PENDING} AND next_attempt_at <= $1 \
             AND (lease_until IS NULL OR lease_until <= $1){in_scope} \
             ORDER BY next_attempt_at LIMIT $2{}",
            <ThisStore as Backend>::SKIP_LOCKED
        ))
        .bind(now.millis())
        .bind(i64::from(limit))
        .bind(org)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let delivery = WebhookDelivery {
                id: get_id(row, "id")?,
                organization_id: get_id(row, "organization_id")?,
                call_id: get_id(row, "call_id")?,
                event_type: get(row, "event_type")?,
                url: get(row, "url")?,
                headers: from_json(&get::<String>(row, "headers")?)?,
                body: get(row, "body")?,
                attempts: u32::try_from(get::<i32>(row, "attempts")?).unwrap_or(0),
                sequence: u32::try_from(get::<i64>(row, "sequence")?).unwrap_or(0),
                replay: get(row, "replay")?,
                duplicate: get(row, "duplicate")?,
                created_at: Timestamp::from_millis(get(row, "created_at")?),
            };
            sqlx::query("UPDATE webhook_outbox SET lease_until = $2 WHERE id = $1")
                .bind(delivery.id.to_string())
                .bind(lease.until.millis())
                .execute(&mut *tx)
                .await
                .db()?;
            claimed.push(delivery);
        }
        tx.commit().await.db()?;
        Ok(claimed)
    }

    async fn finish_webhook_attempt(
        &self,
        delivery: &WebhookDelivery,
        outcome: &WebhookOutcome,
        attempt: &WebhookAttempt,
        log: &NewLog,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let (delivered, retry_at, gave_up) = match outcome {
            WebhookOutcome::Delivered => (Some(log.at.millis()), None, None),
            WebhookOutcome::Retry { retry_at } => (None, Some(retry_at.millis()), None),
            WebhookOutcome::SendAgain { at } => (None, Some(at.millis()), None),
            WebhookOutcome::GaveUp => (None, None, Some(log.at.millis())),
        };
        let sent_again = matches!(outcome, WebhookOutcome::SendAgain { .. });
        // The row's count numbers the attempt: its lock keeps two instances that both sent
        // it (a lease that ran out mid-attempt) from taking the same number.
        let number: Option<i32> = sqlx::query_scalar(
            "UPDATE webhook_outbox SET attempts = attempts + 1, lease_until = NULL, \
             replay = FALSE, delivered_at = $2, gave_up_at = $3, \
             next_attempt_at = COALESCE($4, next_attempt_at), duplicate = duplicate AND NOT $5 \
             WHERE id = $1 RETURNING attempts",
        )
        .bind(delivery.id.to_string())
        .bind(delivered)
        .bind(gave_up)
        .bind(retry_at)
        .bind(sent_again)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if let Some(number) = number {
            webhook_ledger::insert_attempt(&mut tx, delivery.id, number, attempt).await?;
        }
        if delivery.event_type == "end" {
            release_held(&mut tx, delivery, log.at).await?;
        }
        if call_exists(&mut tx, delivery.organization_id, delivery.call_id).await? {
            insert_logs(
                &mut tx,
                delivery.organization_id,
                delivery.call_id,
                std::slice::from_ref(log),
            )
            .await?;
        } else if !matches!(outcome, WebhookOutcome::Retry { .. }) {
            // The call was deleted while this was still to be sent: the ledger keeps a
            // delivery as long as its call, and the attempts go with it.
            sqlx::query("DELETE FROM webhook_outbox WHERE id = $1")
                .bind(delivery.id.to_string())
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()
    }

    async fn webhook_backlog(&self) -> StoreResult<u64> {
        let count: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM webhook_outbox WHERE {PENDING}"))
                .fetch_one(self.reader())
                .await
                .db()?;
        Ok(count as u64)
    }

    async fn list_deliveries(
        &self,
        org: OrgId,
        query: &DeliveryQuery,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let mut conn = self.reader().acquire().await.db()?;
        webhook_ledger::page(&mut conn, org, query).await
    }

    async fn replay_delivery(
        &self,
        org: OrgId,
        id: DeliveryId,
        now: Timestamp,
    ) -> StoreResult<DeliveryRecord> {
        let mut tx = self.write_tx().await?;
        // Pending again, so that the engine's claim (and its index) finds it; the state
        // then follows the replay's one attempt.
        let done = sqlx::query(&format!(
            "UPDATE webhook_outbox SET replay = TRUE, delivered_at = NULL, gave_up_at = NULL, \
             next_attempt_at = $3 WHERE id = $1 AND organization_id = $2 AND NOT ({PENDING})"
        ))
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .db()?;
        let record = webhook_ledger::one(&mut tx, org, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Delivery))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "the delivery is still pending: the engine has an attempt to make at it; \
                 replay it once it is delivered or failed"
                    .to_owned(),
            ));
        }
        ThisStore::announce_work(&mut tx).await?;
        tx.commit().await.db()?;
        Ok(record)
    }
}

/// The sandbox's `reorder` fault held the call's `start` deliveries until its `end` was
/// attempted: that has just happened, so they are due now, after it.
async fn release_held(
    conn: &mut crate::support::Conn,
    delivery: &WebhookDelivery,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "UPDATE webhook_outbox SET next_attempt_at = $2 \
         WHERE call_id = $1 AND next_attempt_at = $3 AND {PENDING}"
    ))
    .bind(delivery.call_id.to_string())
    .bind(now.millis())
    .bind(HELD_UNTIL_END_MILLIS)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}
