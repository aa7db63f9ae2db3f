// The webhook outbox and the secrets the engine signs with.

use crate::ThisStore;
use crate::engine_calls::{call_exists, insert_logs, scope_condition};
use crate::support::{OrBackend, from_json, get, get_id};
use switchyard_core::Timestamp;
use switchyard_core::call_log::NewLog;
use switchyard_core::run::Lease;
use switchyard_core::store::{EngineScope, StoreResult};
use switchyard_core::webhook::{WebhookDelivery, WebhookOutcome};
use switchyard_core::store::WebhookStore;
use crate::Backend;

const PENDING: &str = "delivered_at IS NULL AND gave_up_at IS NULL";

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
            "SELECT id, organization_id, call_id, event_type, url, headers, body, attempts, created_at \
             FROM webhook_outbox WHERE {PENDING} AND next_attempt_at <= $1 \
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
        log: &NewLog,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let (delivered, retry_at, gave_up) = match outcome {
            WebhookOutcome::Delivered => (Some(log.at.millis()), None, None),
            WebhookOutcome::Retry { retry_at } => (None, Some(retry_at.millis()), None),
            WebhookOutcome::GaveUp => (None, None, Some(log.at.millis())),
        };
        sqlx::query(
            "UPDATE webhook_outbox SET attempts = attempts + 1, lease_until = NULL, \
             delivered_at = $2, gave_up_at = $3, next_attempt_at = COALESCE($4, next_attempt_at) \
             WHERE id = $1",
        )
        .bind(delivery.id.to_string())
        .bind(delivered)
        .bind(gave_up)
        .bind(retry_at)
        .execute(&mut *tx)
        .await
        .db()?;
        // A call deleted meanwhile took its logs with it; the delivery still happens.
        if call_exists(&mut tx, delivery.organization_id, delivery.call_id).await? {
            insert_logs(
                &mut tx,
                delivery.organization_id,
                delivery.call_id,
                std::slice::from_ref(log),
            )
            .await?;
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
}
