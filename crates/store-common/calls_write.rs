// Creating, moving and deleting calls, with the campaigns and idempotency records that
// come with their creation.

use crate::ThisStore;
use crate::call_row::{Col, call_columns, insert_rows};
use crate::calls_read::load_call;
use crate::docs;
use crate::support::{Conn, OrBackend, get, unique_or};
use std::collections::BTreeSet;
use switchyard_core::auth::IdempotencyRecord;
use switchyard_core::call::Call;
use switchyard_core::campaign::Campaign;
use switchyard_core::store::{StoreError, StoreResult};
use switchyard_core::transcript::TranscriptJson;
use switchyard_core::{Id, Timestamp};

/// How often a compare-and-set is retried when another writer changed the call meanwhile
/// (PostgreSQL only: SQLite write transactions are serialized).
const CAS_ATTEMPTS: usize = 5;

pub(crate) async fn insert_calls(
    store: &ThisStore,
    org: Id,
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
    let mut tx = store.write_tx().await?;
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

pub(crate) async fn bulk_insert_calls(
    store: &ThisStore,
    org: Id,
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
    let mut tx = store.write_tx().await?;
    insert_call_rows(&mut tx, org, calls).await?;
    if !rows.is_empty() {
        let columns = ["call_id", "organization_id", "doc"];
        let rows = rows.into_iter().map(Ok);
        insert_rows(&mut tx, "call_transcripts", &columns, rows, "").await?;
    }
    tx.commit().await.db()
}

/// The rows of new calls and their children, inside the caller's transaction.
pub(crate) async fn insert_call_rows(conn: &mut Conn, org: Id, calls: &[Call]) -> StoreResult<()> {
    if let Some(first) = calls.first() {
        let names: Vec<&str> = call_columns(first)?.iter().map(|(name, _)| *name).collect();
        insert_rows(conn, "calls", &names, calls.iter().map(call_row), "").await?;
    }
    insert_children(conn, org, calls).await
}

fn call_row(call: &Call) -> StoreResult<Vec<Col>> {
    Ok(call_columns(call)?.into_iter().map(|(_, col)| col).collect())
}

/// The tags of new calls, and any notes, ratings and views they already carry.
async fn insert_children(conn: &mut Conn, org: Id, calls: &[Call]) -> StoreResult<()> {
    let (mut tags, mut notes, mut ratings, mut views) = (vec![], vec![], vec![], vec![]);
    let text = |s: &str| Col::Text(s.to_owned());
    for call in calls {
        let (call_id, org) = (call.id.to_string(), org.to_string());
        let distinct: BTreeSet<&String> = call.metadata.tags.iter().collect();
        for tag in distinct {
            tags.push(vec![text(&call_id), text(&org), text(tag)]);
        }
        for (seq, n) in (1..).zip(&call.notes) {
            notes.push(vec![
                text(&n.id.to_string()),
                text(&call_id),
                text(&org),
                Col::Int(seq),
                text(&n.user_id),
                text(&n.content),
                Col::Bool(n.flagged),
                Col::Int(n.created_at.millis()),
                Col::MaybeInt(n.updated_at.map(Timestamp::millis)),
            ]);
        }
        for (seq, r) in (1..).zip(&call.ratings) {
            let values = [
                call_id.as_str(),
                org.as_str(),
                r.emoji.as_str(),
                r.email.as_str(),
            ];
            let mut row: Vec<Col> = values.into_iter().map(text).collect();
            row.extend([Col::Int(r.created.millis()), Col::Int(seq)]);
            ratings.push(row);
        }
        let viewed_at = Col::Int(call.created.millis());
        for (seq, email) in (1..).zip(&call.viewed_by) {
            views.push(vec![
                text(&call_id),
                text(&org),
                text(email),
                viewed_at.clone(),
                Col::Int(seq),
            ]);
        }
    }
    let tag_cols = ["call_id", "organization_id", "tag"];
    let note_cols = [
        "id",
        "call_id",
        "organization_id",
        "seq",
        "user_id",
        "content",
        "flagged",
        "created_at",
        "updated_at",
    ];
    let rating_cols = [
        "call_id",
        "organization_id",
        "emoji",
        "email",
        "created",
        "seq",
    ];
    let view_cols = ["call_id", "organization_id", "email", "viewed_at", "seq"];
    for (table, cols, rows) in [
        ("call_tags", &tag_cols[..], tags),
        ("call_notes", &note_cols[..], notes),
        ("call_ratings", &rating_cols[..], ratings),
        ("call_views", &view_cols[..], views),
    ] {
        if !rows.is_empty() {
            let rows = rows.into_iter().map(Ok);
            insert_rows(conn, table, cols, rows, "ON CONFLICT DO NOTHING").await?;
        }
    }
    Ok(())
}

async fn insert_idempotency(
    conn: &mut Conn,
    org: Id,
    record: &IdempotencyRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys \
         (organization_id, key, request_hash, status, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org.to_string())
    .bind(&record.key)
    .bind(&record.request_hash)
    .bind(i64::from(record.status))
    .bind(&record.body)
    .bind(record.created_at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_or(e, "idempotency_key"))?;
    Ok(())
}

pub(crate) async fn find_idempotency(
    store: &ThisStore,
    org: Id,
    key: &str,
) -> StoreResult<Option<IdempotencyRecord>> {
    let row = sqlx::query(
        "SELECT key, request_hash, status, body, created_at FROM idempotency_keys \
         WHERE organization_id = $1 AND key = $2",
    )
    .bind(org.to_string())
    .bind(key)
    .fetch_optional(store.reader())
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

pub(crate) async fn delete_idempotency(store: &ThisStore, org: Id, key: &str) -> StoreResult<()> {
    let mut tx = store.write_tx().await?;
    sqlx::query("DELETE FROM idempotency_keys WHERE organization_id = $1 AND key = $2")
        .bind(org.to_string())
        .bind(key)
        .execute(&mut *tx)
        .await
        .db()?;
    tx.commit().await.db()
}

pub(crate) async fn get_campaign(store: &ThisStore, org: Id, id: Id) -> StoreResult<Campaign> {
    let mut conn = store.reader().acquire().await.db()?;
    docs::get(&mut conn, "campaigns", org, id).await
}

pub(crate) async fn delete_call(store: &ThisStore, org: Id, id: Id) -> StoreResult<Call> {
    let mut tx = store.write_tx().await?;
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
            tx.commit().await.db()?;
            return Ok(call);
        }
    }
    Err(StoreError::Conflict(
        "the call keeps changing: try again".into(),
    ))
}
