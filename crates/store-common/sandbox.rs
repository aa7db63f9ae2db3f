// The sandbox's state per organization: frozen test clocks and webhook faults.

use crate::ThisStore;
use crate::support::{OrBackend, get, get_id};
use switchyard_core::Timestamp;
use switchyard_core::id::OrgId;
use switchyard_core::store::{SandboxStore, StoreResult};
use switchyard_core::webhook_faults::WebhookFaults;
use crate::Backend;

#[async_trait::async_trait]
impl SandboxStore for ThisStore {
    async fn frozen_clocks(&self) -> StoreResult<Vec<(OrgId, Timestamp)>> {
        let rows = sqlx::query("SELECT organization_id, frozen_at FROM test_clocks")
            .fetch_all(self.reader())
            .await
            .db()?;
        rows.iter()
            .map(|row| {
                Ok((
                    get_id(row, "organization_id")?,
                    Timestamp::from_millis(get(row, "frozen_at")?),
                ))
            })
            .collect()
    }

    async fn set_frozen_clock(&self, org: OrgId, at: Option<Timestamp>) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        match at {
            Some(at) => sqlx::query(
                "INSERT INTO test_clocks (organization_id, frozen_at) VALUES ($1, $2) \
                 ON CONFLICT (organization_id) DO UPDATE SET frozen_at = excluded.frozen_at",
            )
            .bind(org.to_string())
            .bind(at.millis()),
            None => sqlx::query("DELETE FROM test_clocks WHERE organization_id = $1")
                .bind(org.to_string()),
        }
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn webhook_faults(&self, org: OrgId) -> StoreResult<WebhookFaults> {
        let row = sqlx::query(
            "SELECT duplicate, delay_ms, reorder FROM webhook_faults WHERE organization_id = $1",
        )
        .bind(org.to_string())
        .fetch_optional(self.reader())
        .await
        .db()?;
        let Some(row) = row else {
            return Ok(WebhookFaults::default());
        };
        Ok(WebhookFaults {
            duplicate: get(&row, "duplicate")?,
            delay_ms: u64::try_from(get::<i64>(&row, "delay_ms")?).unwrap_or(0),
            reorder: get(&row, "reorder")?,
        })
    }

    async fn set_webhook_faults(
        &self,
        org: OrgId,
        faults: Option<&WebhookFaults>,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        match faults {
            Some(faults) => sqlx::query(
                "INSERT INTO webhook_faults (organization_id, duplicate, delay_ms, reorder) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id) DO UPDATE SET \
                 duplicate = excluded.duplicate, delay_ms = excluded.delay_ms, \
                 reorder = excluded.reorder",
            )
            .bind(org.to_string())
            .bind(faults.duplicate)
            .bind(i64::try_from(faults.delay_ms).unwrap_or(i64::MAX))
            .bind(faults.reorder),
            None => sqlx::query("DELETE FROM webhook_faults WHERE organization_id = $1")
                .bind(org.to_string()),
        }
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }
}
