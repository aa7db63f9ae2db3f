// The sandbox's state per organization: frozen test clocks.

use crate::ThisStore;
use crate::support::{OrBackend, get, get_id};
use switchyard_core::Timestamp;
use switchyard_core::id::OrgId;
use switchyard_core::store::{SandboxStore, StoreResult};
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
}
