// The database itself: whether it answers, its connections, operators' totals, and the
// server's own secrets.

use crate::support::OrBackend;
use crate::{Backend, ThisStore};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::{HealthStore, PoolStats, StoreResult};

#[async_trait::async_trait]
impl HealthStore for ThisStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(self.reader()).await.db()?;
        Ok(())
    }

    fn pool_stats(&self) -> PoolStats {
        Backend::pool_stats(self)
    }

    async fn call_status_counts(
        &self,
    ) -> StoreResult<Vec<(CallStatus, u64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM calls GROUP BY status")
            .fetch_all(self.reader())
            .await
            .db()?;
        rows.iter()
            .map(|row| {
                let status: String = crate::support::get(row, "status")?;
                let count: i64 = crate::support::get(row, "n")?;
                Ok((status.parse().map_err(crate::support::backend)?, count as u64))
            })
            .collect()
    }

    async fn server_secret(
        &self,
        name: &str,
        generate: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String> {
        let existing: Option<String> = sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(self.reader())
            .await
            .db()?;
        if let Some(value) = existing {
            return Ok(value);
        }
        // Two instances may race to create it: the first insert wins and both read it back.
        let mut tx = self.write_tx().await?;
        sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(generate())
            .execute(&mut *tx)
            .await
            .db()?;
        let value: String = sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(value)
    }
}
