// The webhook ledger as an organization reads it (`GET /webhooks/deliveries`): the outbox's
// deliveries newest first, each with the attempts recorded in `webhook_attempts`.

use crate::engine_outbox::PENDING;
use crate::support::{Conn, DbRow, OrBackend, get, get_id};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use switchyard_core::Timestamp;
use switchyard_core::id::{DeliveryId, OrgId};
use switchyard_core::store::StoreResult;
use switchyard_core::webhook::{DeliveryQuery, DeliveryRecord, DeliveryState, WebhookAttempt};

const COLUMNS: &str =
    "SELECT id, call_id, event_type, sequence, url, delivered_at, gave_up_at, created_at \
     FROM webhook_outbox WHERE organization_id = ";

/// A state in the outbox's terms. A replay clears both times, so at most one is set.
fn condition(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => PENDING,
        DeliveryState::Delivered => "delivered_at IS NOT NULL",
        DeliveryState::Failed => "gave_up_at IS NOT NULL",
    }
}

/// A page of the organization's deliveries (`webhook_outbox_org` or, with a call,
/// `webhook_outbox_call`, walked from the newest).
pub(crate) async fn page(
    conn: &mut Conn,
    org: OrgId,
    query: &DeliveryQuery,
) -> StoreResult<Vec<DeliveryRecord>> {
    let mut sql = QueryBuilder::<crate::Db>::new(COLUMNS);
    sql.push_bind(org.to_string());
    if let Some(call) = query.call_id {
        sql.push(" AND call_id = ").push_bind(call.to_string());
    }
    if let Some(state) = query.state {
        sql.push(" AND ").push(condition(state));
    }
    if let Some(before) = query.before {
        let created = before.created.millis();
        sql.push(" AND (created_at < ").push_bind(created);
        sql.push(" OR (created_at = ").push_bind(created);
        sql.push(" AND id < ").push_bind(before.id.to_string()).push("))");
    }
    sql.push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(i64::from(query.limit));
    let rows = sql.build().fetch_all(&mut *conn).await.db()?;
    with_attempts(conn, &rows).await
}

/// One of the organization's deliveries, if it has it.
pub(crate) async fn one(
    conn: &mut Conn,
    org: OrgId,
    id: DeliveryId,
) -> StoreResult<Option<DeliveryRecord>> {
    let mut sql = QueryBuilder::<crate::Db>::new(COLUMNS);
    sql.push_bind(org.to_string())
        .push(" AND id = ")
        .push_bind(id.to_string());
    let rows = sql.build().fetch_all(&mut *conn).await.db()?;
    Ok(with_attempts(conn, &rows).await?.pop())
}

/// Records attempt number `number` of a delivery.
pub(crate) async fn insert_attempt(
    conn: &mut Conn,
    delivery: DeliveryId,
    number: i32,
    attempt: &WebhookAttempt,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, duration_ms, \
         response_excerpt, error) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(delivery.to_string())
    .bind(number)
    .bind(attempt.at.millis())
    .bind(attempt.status.map(i32::from))
    .bind(i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX))
    .bind(attempt.response_excerpt.as_deref())
    .bind(attempt.error.as_deref())
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// The deliveries of `rows` with their attempts, read in one query.
async fn with_attempts(conn: &mut Conn, rows: &[DbRow]) -> StoreResult<Vec<DeliveryRecord>> {
    let mut records = rows.iter().map(record).collect::<StoreResult<Vec<_>>>()?;
    if records.is_empty() {
        return Ok(records);
    }
    let mut sql = QueryBuilder::<crate::Db>::new(
        "SELECT delivery_id, at, status, duration_ms, response_excerpt, error \
         FROM webhook_attempts WHERE delivery_id IN (",
    );
    let mut ids = sql.separated(", ");
    for record in &records {
        ids.push_bind(record.id.to_string());
    }
    sql.push(") ORDER BY delivery_id, attempt");
    let rows = sql.build().fetch_all(&mut *conn).await.db()?;
    let mut attempts: HashMap<DeliveryId, Vec<WebhookAttempt>> = HashMap::new();
    for row in &rows {
        attempts
            .entry(get_id(row, "delivery_id")?)
            .or_default()
            .push(attempt(row)?);
    }
    for record in &mut records {
        record.attempts = attempts.remove(&record.id).unwrap_or_default();
    }
    Ok(records)
}

fn record(row: &DbRow) -> StoreResult<DeliveryRecord> {
    let state = if get::<Option<i64>>(row, "delivered_at")?.is_some() {
        DeliveryState::Delivered
    } else if get::<Option<i64>>(row, "gave_up_at")?.is_some() {
        DeliveryState::Failed
    } else {
        DeliveryState::Pending
    };
    Ok(DeliveryRecord {
        id: get_id(row, "id")?,
        call_id: get_id(row, "call_id")?,
        event_type: get(row, "event_type")?,
        sequence: u32::try_from(get::<i64>(row, "sequence")?).unwrap_or(0),
        url: get(row, "url")?,
        state,
        attempts: Vec::new(),
        created_at: Timestamp::from_millis(get(row, "created_at")?),
    })
}

fn attempt(row: &DbRow) -> StoreResult<WebhookAttempt> {
    Ok(WebhookAttempt {
        at: Timestamp::from_millis(get(row, "at")?),
        status: get::<Option<i32>>(row, "status")?.and_then(|s| u16::try_from(s).ok()),
        duration_ms: u64::try_from(get::<i64>(row, "duration_ms")?).unwrap_or(0),
        response_excerpt: get(row, "response_excerpt")?,
        error: get(row, "error")?,
    })
}
