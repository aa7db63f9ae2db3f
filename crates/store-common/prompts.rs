// Prompts: JSON documents keyed by (organization, id), because an integrator may choose the
// id (to mirror the one it uses elsewhere), and two organizations may choose the same.

use crate::{Backend, ThisStore};
use crate::support::{OrBackend, found, get_doc, to_json, unique_or};
use switchyard_core::id::{Entity, OrgId, PromptId};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::number::Number;
use switchyard_core::prompt::Prompt;
use switchyard_core::store::{PromptStore, StoreError, StoreResult};
use switchyard_core::use_case::UseCase;

#[async_trait::async_trait]
impl PromptStore for ThisStore {
    async fn insert_prompt(&self, prompt: &Prompt) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO prompts (organization_id, id, created_at, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(prompt.organization_id.to_string())
        .bind(prompt.id.to_string())
        .bind(prompt.created_at.millis())
        .bind(to_json(prompt)?)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "id"))?;
        tx.commit().await.db()
    }

    async fn get_prompt(&self, org: OrgId, id: PromptId) -> StoreResult<Prompt> {
        let row = sqlx::query("SELECT doc FROM prompts WHERE organization_id = $1 AND id = $2")
            .bind(org.to_string())
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await
            .db()?;
        get_doc(&row.ok_or(StoreError::NotFound(Entity::Prompt))?)
    }

    async fn list_prompts(&self, org: OrgId) -> StoreResult<Vec<Prompt>> {
        let rows = sqlx::query(
            "SELECT doc FROM prompts WHERE organization_id = $1 ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.iter().map(get_doc).collect()
    }

    async fn update_prompt(&self, prompt: &Prompt) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let done =
            sqlx::query("UPDATE prompts SET doc = $3 WHERE organization_id = $1 AND id = $2")
                .bind(prompt.organization_id.to_string())
                .bind(prompt.id.to_string())
                .bind(to_json(prompt)?)
                .execute(&mut *tx)
                .await
                .db()?;
        found(done.rows_affected(), Entity::Prompt)?;
        tx.commit().await.db()
    }

    async fn delete_prompt(&self, org: OrgId, id: PromptId) -> StoreResult<Prompt> {
        let mut tx = self.write_tx().await?;
        // Deleted first so that an unknown prompt is NotFound; a refusal below rolls it back.
        let row = sqlx::query(
            "DELETE FROM prompts WHERE organization_id = $1 AND id = $2 RETURNING doc",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let prompt: Prompt = get_doc(&row.ok_or(StoreError::NotFound(Entity::Prompt))?)?;
        // A call names its prompt only inside its document, as `"prompt_id":"<24 hex>"`
        // (compact JSON, no characters LIKE treats specially); the status index narrows
        // the search to the calls still running.
        let mut running =
            sqlx::QueryBuilder::<crate::Db>::new("SELECT id FROM calls WHERE organization_id = ");
        running.push_bind(org.to_string());
        running.push(" AND status IN (");
        let mut list = running.separated(", ");
        for status in CallStatus::ALL.iter().filter(|s| !s.is_final()) {
            list.push_bind(status.as_str());
        }
        running
            .push(") AND doc LIKE ")
            .push_bind(format!("%\"prompt_id\":\"{id}\"%"));
        running.push(" LIMIT 1");
        if running.build().fetch_optional(&mut *tx).await.db()?.is_some() {
            return Err(StoreError::Conflict(
                "calls that have not ended run this prompt: wait for them to end or cancel them first"
                    .into(),
            ));
        }
        let numbers: Vec<Number> = crate::numbers::list(&mut tx, org).await?;
        let routed = numbers.iter().find(|n| {
            let routes = &n.use_case_config.prompt_routes;
            routes.iter().any(|r| r.prompt_id == id.to_string())
        });
        if let Some(n) = routed {
            return Err(StoreError::Conflict(format!(
                "number {} routes calls to this prompt: remove it from the number's prompt_routes first",
                n.number
            )));
        }
        let use_cases: Vec<UseCase> = crate::docs::list(&mut tx, "use_cases", org).await?;
        if let Some(u) = use_cases.iter().find(|u| u.default_prompt_id == Some(id)) {
            return Err(StoreError::Conflict(format!(
                "use case \"{}\" has this prompt as its default_prompt_id: change it first",
                u.name
            )));
        }
        tx.commit().await.db()?;
        Ok(prompt)
    }
}
