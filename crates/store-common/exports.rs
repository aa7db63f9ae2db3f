// CSV exports: the `exports` table as the export worker's queue (claims under a lease, like
// the engine's call runs; `Backend::SKIP_LOCKED` keeps PostgreSQL instances on disjoint
// rows), and the two reads an export makes of the calls: the extraction keys of the
// matches (the CSV's columns), then the matches page by page in keyset order.

use crate::ThisStore;
use crate::call_filters::{order_by, push_where};
use crate::call_row::call_from_doc;
use crate::calls_read::load_children;
use crate::support::{OrBackend, get_doc, to_json};
use sqlx::QueryBuilder;
use switchyard_core::call::Call;
use switchyard_core::enums::SortOrder;
use switchyard_core::export::{Export, ExportStatus};
use switchyard_core::run::Lease;
use switchyard_core::store::{EngineScope, StoreError, StoreResult};
use crate::engine_calls::scope_condition;
use switchyard_core::call_query::CallFilter;
use switchyard_core::Timestamp;
use switchyard_core::id::{Entity, ExportId, OrgId};
use switchyard_core::store::ExportStore;
use switchyard_core::call_query::CallKey;
use crate::Backend;

#[async_trait::async_trait]
impl ExportStore for ThisStore {
    async fn insert_export(&self, export: &Export) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO exports (id, organization_id, created_at, status, next_attempt_at, \
             finished_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(export.id.to_string())
        .bind(export.organization_id.to_string())
        .bind(export.created_at.millis())
        .bind(export.status.as_str())
        .bind(export.next_attempt_at.millis())
        .bind(export.finished_at.map(Timestamp::millis))
        .bind(to_json(export)?)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn get_export(&self, org: OrgId, id: ExportId) -> StoreResult<Export> {
        let row = sqlx::query("SELECT doc FROM exports WHERE id = $1 AND organization_id = $2")
            .bind(id.to_string())
            .bind(org.to_string())
            .fetch_optional(self.reader())
            .await
            .db()?;
        get_doc(&row.ok_or(StoreError::NotFound(Entity::Export))?)
    }

    async fn claim_export(
        &self,
        now: Timestamp,
        lease: &Lease,
    ) -> StoreResult<Option<Export>> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(&format!(
            "SELECT doc FROM exports \
             WHERE (status = 'pending' AND next_attempt_at <= $1) \
             OR (status = 'running' AND lease_until <= $1) \
             ORDER BY created_at, id LIMIT 1{}",
            <ThisStore as Backend>::SKIP_LOCKED
        ))
        .bind(now.millis())
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut export: Export = get_doc(&row)?;
        export.status = ExportStatus::Running;
        export.attempts += 1;
        sqlx::query(
            "UPDATE exports SET status = $2, doc = $3, lease_owner = $4, lease_until = $5 \
             WHERE id = $1",
        )
        .bind(export.id.to_string())
        .bind(export.status.as_str())
        .bind(to_json(&export)?)
        .bind(&lease.owner)
        .bind(lease.until.millis())
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(Some(export))
    }

    async fn renew_export_lease(
        &self,
        org: OrgId,
        id: ExportId,
        lease: &Lease,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE exports SET lease_until = $4 \
             WHERE id = $1 AND organization_id = $2 AND lease_owner = $3 AND status = 'running'",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(&lease.owner)
        .bind(lease.until.millis())
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn save_export(
        &self,
        export: &Export,
        owner: &str,
    ) -> StoreResult<bool> {
        let keep_lease = export.status == ExportStatus::Running;
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE exports SET status = $4, next_attempt_at = $5, finished_at = $6, doc = $7, \
             lease_owner = CASE WHEN $8 THEN lease_owner ELSE NULL END, \
             lease_until = CASE WHEN $8 THEN lease_until ELSE NULL END \
             WHERE id = $1 AND organization_id = $2 AND lease_owner = $3",
        )
        .bind(export.id.to_string())
        .bind(export.organization_id.to_string())
        .bind(owner)
        .bind(export.status.as_str())
        .bind(export.next_attempt_at.millis())
        .bind(export.finished_at.map(Timestamp::millis))
        .bind(to_json(export)?)
        .bind(keep_lease)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn finished_exports(
        &self,
        scope: EngineScope,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Export>> {
        let (in_scope, org) = scope_condition(scope, "organization_id", 3);
        let rows = sqlx::query(&format!(
            "SELECT doc FROM exports WHERE finished_at IS NOT NULL AND finished_at <= $1{in_scope} \
             ORDER BY finished_at, id LIMIT $2"
        ))
        .bind(before.millis())
        .bind(i64::from(limit))
        .bind(org)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.iter().map(get_doc).collect()
    }

    async fn delete_export(&self, org: OrgId, id: ExportId) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM exports WHERE id = $1 AND organization_id = $2")
            .bind(id.to_string())
            .bind(org.to_string())
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()
    }

    async fn calls_after(
        &self,
        org: OrgId,
        filter: &CallFilter,
        sort: SortOrder,
        after: Option<CallKey>,
        limit: u32,
    ) -> StoreResult<Vec<Call>> {
        let mut conn = self.reader().acquire().await.db()?;
        let mut qb = QueryBuilder::new("SELECT c.doc FROM calls c");
        push_where(&mut qb, org, filter);
        if let Some(CallKey { created, id }) = after {
            // `created_at >= t` (or `<=`) on its own bounds the index range, so every page
            // starts where the last one ended instead of scanning past the rows already sent.
            let (bound, strictly) = match sort {
                SortOrder::Asc => (" >= ", " > "),
                SortOrder::Desc => (" <= ", " < "),
            };
            let created = created.millis();
            qb.push(" AND c.created_at").push(bound).push_bind(created);
            qb.push(" AND (c.created_at")
                .push(strictly)
                .push_bind(created);
            qb.push(" OR c.id").push(strictly).push_bind(id.to_string());
            qb.push(")");
        }
        qb.push(order_by(sort));
        qb.push(" LIMIT ").push_bind(i64::from(limit));
        let docs: Vec<String> = qb.build_query_scalar().fetch_all(&mut *conn).await.db()?;
        let mut calls = docs
            .iter()
            .map(|doc| call_from_doc(doc))
            .collect::<StoreResult<Vec<_>>>()?;
        load_children(&mut conn, &mut calls).await?;
        Ok(calls)
    }

    /// The one query where the two databases need different SQL: each spells "the keys of a
    /// JSON object" its own way.
    async fn extraction_keys(
        &self,
        org: OrgId,
        filter: &CallFilter,
    ) -> StoreResult<Vec<String>> {
        let keys = if <crate::Db as sqlx::Database>::NAME == "PostgreSQL" {
            "json_object_keys(c.doc::json -> 'extraction') AS k(key)"
        } else {
            "json_each(c.doc, '$.extraction') AS k"
        };
        let mut qb = QueryBuilder::new(format!("SELECT DISTINCT k.key FROM calls c, {keys}"));
        push_where(&mut qb, org, filter);
        let mut keys: Vec<String> = qb
            .build_query_scalar()
            .fetch_all(self.reader())
            .await
            .db()?;
        keys.sort();
        Ok(keys)
    }
}
