// The call engine's side of the calls: what is due, claiming calls and runs under a lease,
// and writing what the engine did (call, logs, webhooks, transcript, run) in one
// transaction. `Backend::SKIP_LOCKED` is `FOR UPDATE SKIP LOCKED` on PostgreSQL, so that
// instances sharing a database claim disjoint rows, and empty on SQLite (one writer).

use crate::ThisStore;
use crate::call_row::{call_from_doc, update_call};
use crate::calls_read::load_call;
use crate::calls_write::insert_call_rows;
use crate::support::{Conn, OrBackend, from_json, get, get_id, lock_org, to_json};
use std::collections::{BTreeSet, HashMap};
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::lifecycle::{CallEvent, CallStatus};
use switchyard_core::run::{CallRun, Lease, RunState};
use switchyard_core::store::{CallProgress, EngineScope, RunChange, StoreError, StoreResult};
use switchyard_core::webhook::NewWebhook;
use switchyard_core::webhook_faults::HELD_UNTIL_END_MILLIS;
use switchyard_core::Timestamp;
use switchyard_core::id::{CallId, Entity, OrgId};
use switchyard_core::store::EngineStore;
use crate::Backend;

const LIVE: &str = "('Initiated', 'Ringing', 'In progress')";

/// Calls of the `scope` matching `condition` (which binds `now` as `$1`) in `order`,
/// without their notes, ratings and views: the engine's scans do not need them.
async fn calls_where(
    store: &ThisStore,
    scope: EngineScope,
    condition: &str,
    order: &str,
    now: Timestamp,
    limit: u32,
) -> StoreResult<Vec<Call>> {
    let (in_scope, org) = scope_condition(scope, "organization_id", 3);
    let docs: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT doc FROM calls WHERE {condition}{in_scope} ORDER BY {order} LIMIT $2"
    ))
    .bind(now.millis())
    .bind(i64::from(limit))
    .bind(org)
    .fetch_all(store.reader())
    .await
    .db()?;
    docs.iter().map(|doc| call_from_doc(doc)).collect()
}

/// The SQL that keeps a query to the `scope` (`column` names the organization), and the
/// organization it binds as `$param`. `$param` is always bound, so that every scope's
/// query takes the same parameters; only `Org` reads it.
pub(crate) fn scope_condition(
    scope: EngineScope,
    column: &str,
    param: usize,
) -> (String, Option<String>) {
    match scope {
        EngineScope::Everyone => (format!(" AND ${param} IS NULL"), None),
        EngineScope::RealTime => (
            format!(
                " AND ${param} IS NULL AND {column} NOT IN (SELECT organization_id FROM test_clocks)"
            ),
            None,
        ),
        EngineScope::Org(org) => (format!(" AND {column} = ${param}"), Some(org.to_string())),
    }
}

/// Whether the organization has this call.
pub(crate) async fn call_exists(conn: &mut Conn, org: OrgId, call: CallId) -> StoreResult<bool> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM calls WHERE id = $1 AND organization_id = $2")
            .bind(call.to_string())
            .bind(org.to_string())
            .fetch_optional(&mut *conn)
            .await
            .db()?;
    Ok(found.is_some())
}

/// Writes one call's progress; `false` (and nothing written) if its status is no longer
/// the expected one.
async fn write_progress(conn: &mut Conn, progress: CallProgress) -> StoreResult<bool> {
    let CallProgress { call, expected_status, logs, webhooks, transcript, run, new_calls } = progress;
    let (org, id) = (call.organization_id, call.id);
    if !update_call(conn, &call, expected_status.as_str()).await? {
        return Ok(false);
    }
    replace_tags(conn, &call).await?;
    insert_call_rows(conn, org, &new_calls).await?;
    insert_logs(conn, org, id, &logs).await?;
    insert_webhooks(conn, &call, &webhooks).await?;
    if let Some(transcript) = transcript {
        sqlx::query(
            "INSERT INTO call_transcripts (call_id, organization_id, doc) VALUES ($1, $2, $3) \
             ON CONFLICT (call_id) DO UPDATE SET doc = excluded.doc",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(to_json(&transcript)?)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    match run {
        // A change from outside the engine's own steps (a stop, a due call): wake them all.
        RunChange::Keep => ThisStore::announce_work(conn).await?,
        RunChange::Save { state, next_at, lease } => {
            save_run(conn, &call, &state, next_at, &lease).await?
        }
        RunChange::Finish => {
            sqlx::query("DELETE FROM call_runs WHERE call_id = $1")
                .bind(id.to_string())
                .execute(&mut *conn)
                .await
                .db()?;
        }
    }
    Ok(true)
}

async fn save_run(
    conn: &mut Conn,
    call: &Call,
    state: &RunState,
    next_at: Timestamp,
    lease: &Lease,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO call_runs (call_id, organization_id, next_at, lease_owner, lease_until, state) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (call_id) DO UPDATE SET \
         next_at = excluded.next_at, lease_owner = excluded.lease_owner, \
         lease_until = excluded.lease_until, state = excluded.state",
    )
    .bind(call.id.to_string())
    .bind(call.organization_id.to_string())
    .bind(next_at.millis())
    .bind(&lease.owner)
    .bind(lease.until.millis())
    .bind(to_json(state)?)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// The analysis adds the classification tag to `metadata.tags`; the tag filter reads
/// `call_tags`, so it follows the document.
async fn replace_tags(conn: &mut Conn, call: &Call) -> StoreResult<()> {
    sqlx::query("DELETE FROM call_tags WHERE call_id = $1")
        .bind(call.id.to_string())
        .execute(&mut *conn)
        .await
        .db()?;
    let distinct: BTreeSet<&String> = call.metadata.tags.iter().collect();
    for tag in distinct {
        sqlx::query("INSERT INTO call_tags (call_id, organization_id, tag) VALUES ($1, $2, $3)")
            .bind(call.id.to_string())
            .bind(call.organization_id.to_string())
            .bind(tag)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    Ok(())
}

pub(crate) async fn insert_logs(
    conn: &mut Conn,
    org: OrgId,
    call: CallId,
    logs: &[NewLog],
) -> StoreResult<()> {
    if logs.is_empty() {
        return Ok(());
    }
    let last: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM call_logs WHERE call_id = $1")
            .bind(call.to_string())
            .fetch_one(&mut *conn)
            .await
            .db()?;
    for (seq, log) in (last + 1..).zip(logs) {
        sqlx::query(
            "INSERT INTO call_logs (call_id, organization_id, seq, at, level, event, message, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(call.to_string())
        .bind(org.to_string())
        .bind(seq)
        .bind(log.at.millis())
        .bind(log.level.as_str())
        .bind(log.event)
        .bind(&log.message)
        .bind(to_json(&log.data)?)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    Ok(())
}

/// Puts deliveries in the outbox, each with its event's number on the call: one more than
/// the call's last, shared by the deliveries of one event (consecutive, with the same type
/// and time; see `NewWebhook`). The call's row, updated first in the same transaction,
/// keeps concurrent writers of one call from taking the same number.
async fn insert_webhooks(conn: &mut Conn, call: &Call, hooks: &[NewWebhook]) -> StoreResult<()> {
    if hooks.is_empty() {
        return Ok(());
    }
    let mut sequence: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(sequence), 0) FROM webhook_outbox WHERE call_id = $1")
            .bind(call.id.to_string())
            .fetch_one(&mut *conn)
            .await
            .db()?;
    let mut previous = None;
    for hook in hooks {
        let event = Some((hook.event_type.as_str(), hook.created_at));
        if event != previous {
            sequence += 1;
            previous = event;
        }
        sqlx::query(
            "INSERT INTO webhook_outbox (id, organization_id, call_id, event_type, url, headers, \
             body, created_at, next_attempt_at, sequence, duplicate) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(hook.id.to_string())
        .bind(call.organization_id.to_string())
        .bind(call.id.to_string())
        .bind(&hook.event_type)
        .bind(&hook.url)
        .bind(to_json(&hook.headers)?)
        .bind(&hook.body)
        .bind(hook.created_at.millis())
        .bind(hook.first_attempt_at.millis())
        .bind(sequence)
        .bind(hook.duplicate)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl EngineStore for ThisStore {
    async fn due_scheduled_calls(
        &self,
        scope: EngineScope,
        now: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Call>> {
        calls_where(
            self,
            scope,
            "status = 'Scheduled' AND scheduled_for <= $1",
            "scheduled_for",
            now,
            limit,
        )
        .await
    }

    async fn queued_calls(
        &self,
        scope: EngineScope,
        now: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Call>> {
        calls_where(
            self,
            scope,
            "status = 'Queued' AND (available_at IS NULL OR available_at <= $1)",
            "created_at, id",
            now,
            limit,
        )
        .await
    }

    async fn defer_call(
        &self,
        org: OrgId,
        call: CallId,
        until: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE calls SET available_at = $3 \
             WHERE id = $1 AND organization_id = $2 AND status = 'Queued'",
        )
        .bind(call.to_string())
        .bind(org.to_string())
        .bind(until.millis())
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn wake_run(&self, org: OrgId, call: CallId, at: Timestamp) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE call_runs SET next_at = $3 \
             WHERE call_id = $1 AND organization_id = $2 AND next_at > $3",
        )
        .bind(call.to_string())
        .bind(org.to_string())
        .bind(at.millis())
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn claim_calls(
        &self,
        calls: &[(OrgId, CallId)],
        per_org_limit: u32,
        lease: &Lease,
        now: Timestamp,
    ) -> StoreResult<Vec<Call>> {
        let mut tx = self.write_tx().await?;
        // Organizations are locked in one order, so that two instances cannot deadlock; the
        // lock makes the count of live runs below exact while this transaction lasts.
        let orgs: BTreeSet<OrgId> = calls.iter().map(|(org, _)| *org).collect();
        let mut live: HashMap<OrgId, i64> = HashMap::new();
        for org in orgs {
            lock_org(&mut tx, org).await?;
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM call_runs WHERE organization_id = $1")
                    .bind(org.to_string())
                    .fetch_one(&mut *tx)
                    .await
                    .db()?;
            live.insert(org, count);
        }
        let mut claimed = Vec::new();
        for (org, id) in calls {
            let count = live.entry(*org).or_default();
            if *count >= i64::from(per_org_limit) {
                continue;
            }
            let queued: Option<String> = sqlx::query_scalar(&format!(
                "SELECT id FROM calls WHERE id = $1 AND organization_id = $2 AND status = 'Queued'{}",
                <ThisStore as Backend>::SKIP_LOCKED
            ))
            .bind(id.to_string())
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await
            .db()?;
            if queued.is_none() {
                continue;
            }
            let mut call = load_call(&mut tx, *org, *id).await?;
            call.apply(CallEvent::Dispatch)?;
            update_call(&mut tx, &call, CallStatus::Queued.as_str()).await?;
            let state = RunState::default();
            save_run(&mut tx, &call, &state, now, lease).await?;
            insert_logs(
                &mut tx,
                *org,
                *id,
                &[NewLog::info(
                    now,
                    "status",
                    "Queued -> Initiated: handed to the telephony provider",
                    serde_json::json!({"from": "Queued", "to": "Initiated", "engine": lease.owner}),
                )],
            )
            .await?;
            *count += 1;
            claimed.push(call);
        }
        tx.commit().await.db()?;
        Ok(claimed)
    }

    async fn claim_due_runs(
        &self,
        scope: EngineScope,
        now: Timestamp,
        lease: &Lease,
        limit: u32,
    ) -> StoreResult<Vec<(CallRun, Call)>> {
        let mut tx = self.write_tx().await?;
        let (in_scope, org) = scope_condition(scope, "r.organization_id", 4);
        // Due: the next step's time has come, the call was stopped (no longer live), or the
        // instance that held it stopped renewing its lease.
        let rows = sqlx::query(&format!(
            "SELECT call_id, organization_id, next_at, lease_owner, lease_until, state \
             FROM call_runs r \
             WHERE (lease_owner = $2 OR lease_until <= $1) \
             AND (next_at <= $1 OR lease_until <= $1 OR EXISTS ( \
                 SELECT 1 FROM calls c WHERE c.id = r.call_id AND c.status NOT IN {LIVE})){in_scope} \
             ORDER BY next_at LIMIT $3{}",
            <ThisStore as Backend>::SKIP_LOCKED
        ))
        .bind(now.millis())
        .bind(&lease.owner)
        .bind(i64::from(limit))
        .bind(org)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        let mut runs = Vec::with_capacity(rows.len());
        for row in &rows {
            let run = CallRun {
                call_id: get_id(row, "call_id")?,
                organization_id: get_id(row, "organization_id")?,
                next_at: Timestamp::from_millis(get(row, "next_at")?),
                lease_owner: get(row, "lease_owner")?,
                lease_until: Timestamp::from_millis(get(row, "lease_until")?),
                state: from_json(&get::<String>(row, "state")?)?,
            };
            sqlx::query("UPDATE call_runs SET lease_owner = $2, lease_until = $3 WHERE call_id = $1")
                .bind(run.call_id.to_string())
                .bind(&lease.owner)
                .bind(lease.until.millis())
                .execute(&mut *tx)
                .await
                .db()?;
            let call = load_call(&mut tx, run.organization_id, run.call_id).await?;
            runs.push((run, call));
        }
        tx.commit().await.db()?;
        Ok(runs)
    }

    async fn wait_for_work(&self) {
        Backend::wait_for_work(self).await
    }

    async fn announce_call_changes(&self, changes: &[String]) -> StoreResult<()> {
        Backend::announce_call_changes(self, changes).await
    }

    async fn wait_for_call_changes(&self) -> Vec<String> {
        Backend::wait_for_call_changes(self).await
    }

    async fn expire_leases(&self) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE call_runs SET lease_until = 0")
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query("UPDATE webhook_outbox SET lease_until = NULL WHERE lease_until IS NOT NULL")
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()
    }

    async fn save_call_progress(
        &self,
        progress: CallProgress,
    ) -> StoreResult<Call> {
        let (org, id, expected) = (
            progress.call.organization_id,
            progress.call.id,
            progress.expected_status,
        );
        let mut tx = self.write_tx().await?;
        if !write_progress(&mut tx, progress).await? {
            // Either the call is gone (or not this organization's), or it changed meanwhile.
            load_call(&mut tx, org, id).await?;
            return Err(StoreError::Conflict(format!("the call is no longer {expected}")));
        }
        let saved = load_call(&mut tx, org, id).await?;
        tx.commit().await.db()?;
        Ok(saved)
    }

    async fn save_progress_batch(
        &self,
        batch: Vec<CallProgress>,
    ) -> StoreResult<Vec<bool>> {
        let mut tx = self.write_tx().await?;
        let mut saved = Vec::with_capacity(batch.len());
        for progress in batch {
            saved.push(write_progress(&mut tx, progress).await?);
        }
        tx.commit().await.db()?;
        Ok(saved)
    }

    async fn append_call_logs(
        &self,
        org: OrgId,
        call: CallId,
        logs: &[NewLog],
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        if !call_exists(&mut tx, org, call).await? {
            return Err(StoreError::NotFound(Entity::Call));
        }
        insert_logs(&mut tx, org, call, logs).await?;
        tx.commit().await.db()
    }

    async fn next_due_at(&self, org: OrgId, after: Timestamp) -> StoreResult<Option<Timestamp>> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(at) FROM ( \
               SELECT MIN(scheduled_for) AS at FROM calls \
                 WHERE organization_id = $1 AND status = 'Scheduled' AND scheduled_for > $2 \
               UNION ALL SELECT MIN(available_at) FROM calls \
                 WHERE organization_id = $1 AND status = 'Queued' AND available_at > $2 \
               UNION ALL SELECT MIN(next_at) FROM call_runs \
                 WHERE organization_id = $1 AND next_at > $2 \
               UNION ALL SELECT MIN(next_attempt_at) FROM webhook_outbox \
                 WHERE organization_id = $1 AND delivered_at IS NULL AND gave_up_at IS NULL \
                 AND next_attempt_at > $2 AND next_attempt_at < $3 \
             ) due",
        )
        .bind(org.to_string())
        .bind(after.millis())
        // A held delivery is not due at any instant: an advance must not walk to it.
        .bind(HELD_UNTIL_END_MILLIS)
        .fetch_one(self.reader())
        .await
        .db()?;
        Ok(next.map(Timestamp::from_millis))
    }

    async fn has_due_work(
        &self,
        org: OrgId,
        now: Timestamp,
        per_org_limit: u32,
    ) -> StoreResult<bool> {
        let due: i32 = sqlx::query_scalar(&format!(
            "SELECT CASE WHEN \
               EXISTS (SELECT 1 FROM calls WHERE organization_id = $1 \
                 AND status = 'Scheduled' AND scheduled_for <= $2) \
               OR (EXISTS (SELECT 1 FROM calls WHERE organization_id = $1 AND status = 'Queued' \
                   AND (available_at IS NULL OR available_at <= $2)) \
                 AND (SELECT COUNT(*) FROM call_runs WHERE organization_id = $1) < $3) \
               OR EXISTS (SELECT 1 FROM call_runs r WHERE r.organization_id = $1 \
                 AND (next_at <= $2 OR lease_until <= $2 OR EXISTS ( \
                   SELECT 1 FROM calls c WHERE c.id = r.call_id AND c.status NOT IN {LIVE}))) \
               OR EXISTS (SELECT 1 FROM webhook_outbox WHERE organization_id = $1 \
                 AND delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= $2 \
                 AND (lease_until IS NULL OR lease_until <= $2)) \
             THEN 1 ELSE 0 END"
        ))
        .bind(org.to_string())
        .bind(now.millis())
        .bind(i64::from(per_org_limit))
        .fetch_one(self.reader())
        .await
        .db()?;
        Ok(due == 1)
    }

    async fn live_runs(&self, org: OrgId) -> StoreResult<u32> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM call_runs WHERE organization_id = $1")
                .bind(org.to_string())
                .fetch_one(self.reader())
                .await
                .db()?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}
