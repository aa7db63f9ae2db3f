// Phone numbers: a JSON document plus the columns that are unique (`number`) or checked
// by other writes (`use_case_id`).

use crate::{Backend, ThisStore};
use crate::support::{Conn, OrBackend, found, get_doc, to_json, unique_or};
use switchyard_core::id::{Entity, NumberId, OrgId};
use switchyard_core::store::NumberStore;
use switchyard_core::number::Number;
use switchyard_core::store::{StoreError, StoreResult};

/// Oldest first.
pub(crate) async fn list(conn: &mut Conn, org: OrgId) -> StoreResult<Vec<Number>> {
    let rows =
        sqlx::query("SELECT doc FROM numbers WHERE organization_id = $1 ORDER BY created_at, id")
            .bind(org.to_string())
            .fetch_all(&mut *conn)
            .await
            .db()?;
    rows.iter().map(get_doc).collect()
}

#[async_trait::async_trait]
impl NumberStore for ThisStore {
    async fn insert_number(&self, number: &Number) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO numbers (id, organization_id, number, use_case_id, created_at, doc) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(number.id.to_string())
        .bind(number.organization_id.to_string())
        .bind(&number.number)
        .bind(number.use_case_config.id.map(|id| id.to_string()))
        .bind(number.created_at.millis())
        .bind(to_json(number)?)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "number"))?;
        tx.commit().await.db()
    }

    async fn get_number(&self, org: OrgId, id: NumberId) -> StoreResult<Number> {
        let row = sqlx::query("SELECT doc FROM numbers WHERE id = $1 AND organization_id = $2")
            .bind(id.to_string())
            .bind(org.to_string())
            .fetch_optional(self.reader())
            .await
            .db()?;
        get_doc(&row.ok_or(StoreError::NotFound(Entity::Number))?)
    }

    /// The number's owner is whoever holds it: this is the telephone network's lookup, not a
    /// tenant's, so it is not scoped to an organization.
    async fn find_number(&self, e164: &str) -> StoreResult<Option<Number>> {
        let row = sqlx::query("SELECT doc FROM numbers WHERE number = $1")
            .bind(e164)
            .fetch_optional(self.reader())
            .await
            .db()?;
        row.as_ref().map(get_doc).transpose()
    }

    async fn list_numbers(&self, org: OrgId) -> StoreResult<Vec<Number>> {
        let mut conn = self.reader().acquire().await.db()?;
        list(&mut conn, org).await
    }

    async fn update_number(&self, number: &Number) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE numbers SET number = $3, use_case_id = $4, doc = $5 \
             WHERE id = $1 AND organization_id = $2",
        )
        .bind(number.id.to_string())
        .bind(number.organization_id.to_string())
        .bind(&number.number)
        .bind(number.use_case_config.id.map(|id| id.to_string()))
        .bind(to_json(number)?)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "number"))?;
        found(done.rows_affected(), Entity::Number)?;
        tx.commit().await.db()
    }

    async fn delete_number(&self, org: OrgId, id: NumberId) -> StoreResult<Number> {
        let mut tx = self.write_tx().await?;
        let row =
            sqlx::query("DELETE FROM numbers WHERE id = $1 AND organization_id = $2 RETURNING doc")
                .bind(id.to_string())
                .bind(org.to_string())
                .fetch_optional(&mut *tx)
                .await
                .db()?;
        let number = get_doc(&row.ok_or(StoreError::NotFound(Entity::Number))?)?;
        tx.commit().await.db()?;
        Ok(number)
    }
}
