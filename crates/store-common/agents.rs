// Agents and use cases: JSON documents (see docs.rs) plus the checks that keep deletes safe.

use crate::{Backend, ThisStore};
use crate::docs;
use crate::support::{Conn, OrBackend};
use switchyard_core::id::{AgentId, OrgId, UseCaseId};
use switchyard_core::store::{AgentStore, UseCaseStore};
use switchyard_core::agent::Agent;
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::number::Number;
use switchyard_core::store::{StoreError, StoreResult};
use switchyard_core::use_case::UseCase;

pub(crate) async fn insert(conn: &mut Conn, agent: &Agent) -> StoreResult<()> {
    docs::insert(
        conn,
        "agents",
        agent.organization_id,
        agent.id,
        agent.created_at,
        agent,
    )
    .await
}

#[async_trait::async_trait]
impl UseCaseStore for ThisStore {
    async fn insert_use_case(&self, use_case: &UseCase) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let (org, id) = (use_case.organization_id, use_case.id);
        docs::insert(&mut tx, "use_cases", org, id, use_case.created_at, use_case).await?;
        tx.commit().await.db()
    }

    async fn get_use_case(&self, org: OrgId, id: UseCaseId) -> StoreResult<UseCase> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::get(&mut conn, "use_cases", org, id).await
    }

    async fn list_use_cases(&self, org: OrgId) -> StoreResult<Vec<UseCase>> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::list(&mut conn, "use_cases", org).await
    }

    async fn update_use_case(&self, use_case: &UseCase) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let (org, id) = (use_case.organization_id, use_case.id);
        docs::update(&mut tx, "use_cases", org, id, use_case).await?;
        tx.commit().await.db()
    }

    async fn delete_use_case(&self, org: OrgId, id: UseCaseId) -> StoreResult<UseCase> {
        let mut tx = self.write_tx().await?;
        // Deleted first so that an unknown use case is NotFound; a refusal below rolls it back.
        let use_case: UseCase = docs::delete(&mut tx, "use_cases", org, id).await?;
        let mut pending =
            sqlx::QueryBuilder::<crate::Db>::new("SELECT id FROM calls WHERE organization_id = ");
        pending.push_bind(org.to_string());
        pending
            .push(" AND use_case_id = ")
            .push_bind(id.to_string());
        pending.push(" AND status IN (");
        let mut list = pending.separated(", ");
        for status in CallStatus::ALL.iter().filter(|s| s.is_pending()) {
            list.push_bind(status.as_str());
        }
        pending.push(") LIMIT 1");
        if pending
            .build()
            .fetch_optional(&mut *tx)
            .await
            .db()?
            .is_some()
        {
            return Err(StoreError::Conflict(
                "this use case has pending calls: wait for them to end or cancel them first".into(),
            ));
        }
        let routed: Option<String> = sqlx::query_scalar(
            "SELECT number FROM numbers WHERE organization_id = $1 AND use_case_id = $2 LIMIT 1",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if let Some(number) = routed {
            return Err(StoreError::Conflict(format!(
                "number {number} routes calls to this use case: point it elsewhere first"
            )));
        }
        tx.commit().await.db()?;
        Ok(use_case)
    }
}

#[async_trait::async_trait]
impl AgentStore for ThisStore {
    async fn insert_agent(&self, agent: &Agent) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        insert(&mut tx, agent).await?;
        tx.commit().await.db()
    }

    async fn get_agent(&self, org: OrgId, id: AgentId) -> StoreResult<Agent> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::get(&mut conn, "agents", org, id).await
    }

    async fn list_agents(&self, org: OrgId) -> StoreResult<Vec<Agent>> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::list(&mut conn, "agents", org).await
    }

    async fn update_agent(&self, agent: &Agent) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        docs::update(&mut tx, "agents", agent.organization_id, agent.id, agent).await?;
        tx.commit().await.db()
    }

    async fn delete_agent(&self, org: OrgId, id: AgentId) -> StoreResult<Agent> {
        let mut tx = self.write_tx().await?;
        // Deleted first so that an unknown agent is NotFound; a refusal below rolls it back.
        let agent: Agent = docs::delete(&mut tx, "agents", org, id).await?;
        let default: Option<String> =
            sqlx::query_scalar("SELECT default_agent_id FROM organizations WHERE id = $1")
                .bind(org.to_string())
                .fetch_optional(&mut *tx)
                .await
                .db()?;
        if default == Some(id.to_string()) {
            return Err(StoreError::Conflict(
                "this is the organization's default agent, which cannot be deleted".into(),
            ));
        }
        let numbers: Vec<Number> = crate::numbers::list(&mut tx, org).await?;
        if let Some(n) = numbers
            .iter()
            .find(|n| n.use_case_config.agent_routes.iter().any(|r| r.id == id))
        {
            return Err(StoreError::Conflict(format!(
                "number {} routes calls to this agent: remove it from the number's agent_routes first",
                n.number
            )));
        }
        tx.commit().await.db()?;
        Ok(agent)
    }
}
