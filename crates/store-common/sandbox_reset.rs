// `POST /sandbox/reset`: an organization emptied in one transaction, under its row lock.
// `DELETE ... RETURNING id` names exactly the calls and exports deleted (a call the engine
// inserts meanwhile is either deleted and named, or left whole), so that the caller deletes
// their blobs after the commit.

use crate::ThisStore;
use crate::support::{Conn, OrBackend, get_id, lock_org};
use switchyard_core::agent::Agent;
use switchyard_core::id::{Id, Kind, OrgId};
use switchyard_core::store::{OrgReset, SandboxResetStore, StoreResult};
use crate::Backend;

#[async_trait::async_trait]
impl SandboxResetStore for ThisStore {
    async fn reset_organization(
        &self,
        org: OrgId,
        new_default_agent: Option<&Agent>,
    ) -> StoreResult<OrgReset> {
        let mut tx = self.write_tx().await?;
        lock_org(&mut tx, org).await?;
        // Notes, ratings, views, tags, transcripts, logs and runs go with their calls
        // (ON DELETE CASCADE).
        let calls = delete_returning_ids(&mut tx, "calls", org).await?;
        let exports = delete_returning_ids(&mut tx, "exports", org).await?;
        let mut reset = OrgReset {
            calls,
            exports,
            campaigns: delete_all(&mut tx, "campaigns", org).await?,
            // Their attempts go with them (ON DELETE CASCADE).
            webhook_deliveries: delete_all(&mut tx, "webhook_outbox", org).await?,
            scenarios: delete_all(&mut tx, "scenarios", org).await?,
            ..OrgReset::default()
        };
        delete_all(&mut tx, "idempotency_keys", org).await?;
        if let Some(agent) = new_default_agent {
            reset.numbers = delete_all(&mut tx, "numbers", org).await?;
            reset.use_cases = delete_all(&mut tx, "use_cases", org).await?;
            reset.prompts = delete_all(&mut tx, "prompts", org).await?;
            reset.agents = delete_all(&mut tx, "agents", org).await?;
            crate::agents::insert(&mut tx, agent).await?;
            sqlx::query("UPDATE organizations SET default_agent_id = $1 WHERE id = $2")
                .bind(agent.id.to_string())
                .bind(org.to_string())
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()?;
        Ok(reset)
    }
}

/// `table` is one of this file's literals, never input.
async fn delete_all(conn: &mut Conn, table: &str, org: OrgId) -> StoreResult<u64> {
    let done = sqlx::query(&format!("DELETE FROM {table} WHERE organization_id = $1"))
        .bind(org.to_string())
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(done.rows_affected())
}

async fn delete_returning_ids<K: Kind>(
    conn: &mut Conn,
    table: &str,
    org: OrgId,
) -> StoreResult<Vec<Id<K>>> {
    let rows = sqlx::query(&format!(
        "DELETE FROM {table} WHERE organization_id = $1 RETURNING id"
    ))
    .bind(org.to_string())
    .fetch_all(&mut *conn)
    .await
    .db()?;
    rows.iter().map(|row| get_id(row, "id")).collect()
}
