// Calls as a resource: inserting them (with their campaign and idempotency record),
// reading one or a page (through the backend's own reads), where one sits in a listing,
// deleting, and what hangs off a call (transcript, logs).

use crate::call_filters::{push_before, push_where};
use crate::call_row::{Col, insert_rows};
use crate::calls_read::load_call;
use crate::calls_write::{CAS_ATTEMPTS, insert_call_rows, insert_idempotency};
use crate::engine_calls::call_exists;
use crate::engine_outbox::PENDING;
use crate::support::{OrBackend, from_json, get};
use crate::{Backend, ThisStore, docs};
use sqlx::QueryBuilder;
use switchyard_core::auth::IdempotencyRecord;
use switchyard_core::call::Call;
use switchyard_core::call_json::CallJson;
use switchyard_core::call_log::LogEntry;
use switchyard_core::campaign::Campaign;
use switchyard_core::enums::SortOrder;
use switchyard_core::id::{CallId, CampaignId, OrgId};
use switchyard_core::store::{CallStore, StoreError, StoreResult};
use switchyard_core::call_query::{CallFilter, CallKey, CallList, CallQuery};
use switchyard_core::transcript::{Transcript, TranscriptJson};
use switchyard_core::{Entity, Timestamp};

#[async_trait::async_trait]
impl CallStore for ThisStore {
    async fn insert_calls(
        &self,
        org: OrgId,
        calls: &[Call],
        campaign: Option<&Campaign>,
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<()> {
        if let Some(call) = calls.iter().find(|c| c.organization_id != org) {
            return Err(StoreError::Conflict(format!(
                "call {} belongs to another organization",
                call.id
            )));
        }
        let mut tx = self.write_tx().await?;
        // First, so that a duplicate key fails before anything else is written.
        if let Some(record) = idempotency {
            insert_idempotency(&mut tx, org, record).await?;
        }
        if let Some(campaign) = campaign {
            let (id, at) = (campaign.id, campaign.created_at);
            docs::insert(&mut tx, "campaigns", org, id, at, campaign).await?;
        }
        insert_call_rows(&mut tx, org, calls).await?;
        ThisStore::announce_work(&mut tx).await?;
        tx.commit().await.db()
    }

    async fn find_idempotency(
        &self,
        org: OrgId,
        key: &str,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let row = sqlx::query(
            "SELECT key, request_hash, status, body, created_at FROM idempotency_keys \
             WHERE organization_id = $1 AND key = $2",
        )
        .bind(org.to_string())
        .bind(key)
        .fetch_optional(self.reader())
        .await
        .db()?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(IdempotencyRecord {
            key: get(&row, "key")?,
            request_hash: get(&row, "request_hash")?,
            status: u16::try_from(get::<i64>(&row, "status")?).unwrap_or(500),
            body: get(&row, "body")?,
            created_at: Timestamp::from_millis(get(&row, "created_at")?),
        }))
    }

    async fn delete_idempotency(&self, org: OrgId, key: &str) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE organization_id = $1 AND key = $2")
            .bind(org.to_string())
            .bind(key)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()
    }

    async fn get_campaign(&self, org: OrgId, id: CampaignId) -> StoreResult<Campaign> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::get(&mut conn, "campaigns", org, id).await
    }

    async fn get_call(&self, org: OrgId, id: CallId) -> StoreResult<Call> {
        self.read_call(org, id).await
    }

    async fn list_calls(&self, org: OrgId, query: &CallQuery) -> StoreResult<CallList> {
        self.read_calls(org, query).await
    }

    async fn get_call_json(&self, org: OrgId, id: CallId) -> StoreResult<CallJson> {
        self.read_call(org, id).await
    }

    async fn list_calls_json(
        &self,
        org: OrgId,
        query: &CallQuery,
    ) -> StoreResult<CallList<CallJson>> {
        self.read_calls(org, query).await
    }

    async fn call_key(&self, org: OrgId, call: CallId) -> StoreResult<Option<CallKey>> {
        let mut qb = QueryBuilder::new("SELECT c.created_at FROM calls c");
        push_where(&mut qb, org, &CallFilter::default());
        qb.push(" AND c.id = ").push_bind(call.to_string());
        let created: Option<i64> = qb
            .build_query_scalar()
            .fetch_optional(self.reader())
            .await
            .db()?;
        Ok(created.map(|millis| CallKey {
            created: Timestamp::from_millis(millis),
            id: call,
        }))
    }

    async fn call_position(
        &self,
        org: OrgId,
        filter: &CallFilter,
        sort: SortOrder,
        call: CallId,
    ) -> StoreResult<Option<u64>> {
        let mut conn = self.reader().acquire().await.db()?;
        let mut qb = QueryBuilder::new("SELECT c.created_at FROM calls c");
        push_where(&mut qb, org, filter);
        qb.push(" AND c.id = ").push_bind(call.to_string());
        let created: Option<i64> = qb
            .build_query_scalar()
            .fetch_optional(&mut *conn)
            .await
            .db()?;
        let Some(created) = created else {
            return Ok(None);
        };

        let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM calls c");
        push_where(&mut qb, org, filter);
        push_before(&mut qb, sort, created, call);
        let before: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await.db()?;
        Ok(Some(u64::try_from(before).unwrap_or(0)))
    }

    /// A walk of the filter's index in `created` order that stops at the first call
    /// without a view of `email` (each probe is a primary-key lookup of `call_views`):
    /// its cost grows with the viewed calls it steps over, not with the table.
    async fn next_unviewed(
        &self,
        org: OrgId,
        filter: &CallFilter,
        email: &str,
    ) -> StoreResult<Option<CallId>> {
        let mut qb = QueryBuilder::new("SELECT c.id FROM calls c");
        push_where(&mut qb, org, filter);
        qb.push(" AND NOT EXISTS (SELECT 1 FROM call_views v WHERE v.call_id = c.id AND v.email = ")
            .push_bind(email.to_owned())
            .push(") ORDER BY c.created_at ASC, c.id ASC LIMIT 1");
        let id: Option<String> = qb
            .build_query_scalar()
            .fetch_optional(self.reader())
            .await
            .db()?;
        id.map(|id| id.parse().map_err(crate::support::backend))
            .transpose()
    }

    /// Sorted bytewise in Rust, whatever the database's collation.
    async fn call_tags(&self, org: OrgId) -> StoreResult<Vec<String>> {
        let mut tags: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT tag FROM call_tags WHERE organization_id = $1")
                .bind(org.to_string())
                .fetch_all(self.reader())
                .await
                .db()?;
        tags.sort();
        Ok(tags)
    }

    async fn delete_call(&self, org: OrgId, id: CallId) -> StoreResult<Call> {
        let mut tx = self.write_tx().await?;
        for _ in 0..CAS_ATTEMPTS {
            let call = load_call(&mut tx, org, id).await?;
            if call.status.is_live() {
                return Err(StoreError::Conflict(format!(
                    "the call is {}: stop it before deleting it",
                    call.status
                )));
            }
            // Notes, ratings, views and tags go with it (ON DELETE CASCADE).
            let done =
                sqlx::query("DELETE FROM calls WHERE id = $1 AND organization_id = $2 AND status = $3")
                    .bind(id.to_string())
                    .bind(org.to_string())
                    .bind(call.status.as_str())
                    .execute(&mut *tx)
                    .await
                    .db()?;
            if done.rows_affected() > 0 {
                // Its webhook deliveries are kept as long as the call; one still to be sent
                // goes once the engine is done with it (engine_outbox.rs).
                sqlx::query(&format!(
                    "DELETE FROM webhook_outbox WHERE call_id = $1 AND NOT ({PENDING})"
                ))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .db()?;
                tx.commit().await.db()?;
                return Ok(call);
            }
        }
        Err(StoreError::Conflict(
            "the call keeps changing: try again".into(),
        ))
    }

    async fn get_transcript(&self, org: OrgId, call: CallId) -> StoreResult<Transcript> {
        let doc: Option<String> = sqlx::query_scalar(
            "SELECT doc FROM call_transcripts WHERE call_id = $1 AND organization_id = $2",
        )
        .bind(call.to_string())
        .bind(org.to_string())
        .fetch_optional(self.reader())
        .await
        .db()?;
        from_json(&doc.ok_or(StoreError::NotFound(Entity::Transcript))?)
    }

    async fn call_logs(&self, org: OrgId, call: CallId) -> StoreResult<Vec<LogEntry>> {
        let mut conn = self.reader().acquire().await.db()?;
        if !call_exists(&mut conn, org, call).await? {
            return Err(StoreError::NotFound(Entity::Call));
        }
        let rows = sqlx::query(
            "SELECT seq, at, level, event, message, data FROM call_logs \
             WHERE call_id = $1 ORDER BY seq",
        )
        .bind(call.to_string())
        .fetch_all(&mut *conn)
        .await
        .db()?;
        rows.iter()
            .map(|row| {
                Ok(LogEntry {
                    seq: get::<i64>(row, "seq")? as u64,
                    timestamp: Timestamp::from_millis(get(row, "at")?),
                    level: get::<String>(row, "level")?
                        .parse()
                        .map_err(crate::support::backend)?,
                    event: get(row, "event")?,
                    message: get(row, "message")?,
                    data: from_json(&get::<String>(row, "data")?)?,
                })
            })
            .collect()
    }

    async fn bulk_insert_calls(
        &self,
        org: OrgId,
        calls: &[Call],
        transcripts: Vec<TranscriptJson>,
    ) -> StoreResult<()> {
        if let Some(call) = calls.iter().find(|c| c.organization_id != org) {
            return Err(StoreError::Conflict(format!(
                "call {} belongs to another organization",
                call.id
            )));
        }
        let org_text = org.to_string();
        let rows = transcripts
            .into_iter()
            .map(|t| {
                vec![
                    Col::Text(t.call_id.to_string()),
                    Col::Text(org_text.clone()),
                    Col::Text(t.json),
                ]
            })
            .collect::<Vec<_>>();
        let mut tx = self.write_tx().await?;
        insert_call_rows(&mut tx, org, calls).await?;
        if !rows.is_empty() {
            let columns = ["call_id", "organization_id", "doc"];
            let rows = rows.into_iter().map(Ok);
            insert_rows(&mut tx, "call_transcripts", &columns, rows, "").await?;
        }
        tx.commit().await.db()
    }
}
