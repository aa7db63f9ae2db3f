// The sandbox's scenarios: JSON documents keyed by (organization, id), read whole by the
// engine when it places an organization's calls.

use crate::{Backend, ThisStore};
use crate::support::{OrBackend, get_doc, to_json};
use switchyard_core::id::{Entity, OrgId, ScenarioId};
use switchyard_core::scenario::Scenario;
use switchyard_core::store::{ScenarioStore, StoreError, StoreResult};

#[async_trait::async_trait]
impl ScenarioStore for ThisStore {
    async fn insert_scenario(&self, scenario: &Scenario) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO scenarios (organization_id, id, created_at, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(scenario.organization_id.to_string())
        .bind(scenario.id.to_string())
        .bind(scenario.created_at.millis())
        .bind(to_json(scenario)?)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn get_scenario(&self, org: OrgId, id: ScenarioId) -> StoreResult<Scenario> {
        let row = sqlx::query("SELECT doc FROM scenarios WHERE organization_id = $1 AND id = $2")
            .bind(org.to_string())
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await
            .db()?;
        get_doc(&row.ok_or(StoreError::NotFound(Entity::Scenario))?)
    }

    async fn list_scenarios(&self, org: OrgId) -> StoreResult<Vec<Scenario>> {
        let rows = sqlx::query(
            "SELECT doc FROM scenarios WHERE organization_id = $1 ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.iter().map(get_doc).collect()
    }

    async fn delete_scenario(&self, org: OrgId, id: ScenarioId) -> StoreResult<Scenario> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "DELETE FROM scenarios WHERE organization_id = $1 AND id = $2 RETURNING doc",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let scenario = get_doc(&row.ok_or(StoreError::NotFound(Entity::Scenario))?)?;
        tx.commit().await.db()?;
        Ok(scenario)
    }
}
