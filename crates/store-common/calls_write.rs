// Creating, moving and deleting calls, with the campaigns and idempotency records that
// come with their creation.

use crate::call_row::{Col, call_columns, insert_rows};
use crate::support::{Conn, unique_or};
use std::collections::BTreeSet;
use switchyard_core::auth::IdempotencyRecord;
use switchyard_core::call::Call;
use switchyard_core::store::StoreResult;
use switchyard_core::Timestamp;
use switchyard_core::id::OrgId;

/// How often a compare-and-set is retried when another writer changed the call meanwhile
/// (PostgreSQL only: SQLite write transactions are serialized).
pub(crate) const CAS_ATTEMPTS: usize = 5;

/// The rows of new calls and their children, inside the caller's transaction.
pub(crate) async fn insert_call_rows(conn: &mut Conn, org: OrgId, calls: &[Call]) -> StoreResult<()> {
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
async fn insert_children(conn: &mut Conn, org: OrgId, calls: &[Call]) -> StoreResult<()> {
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

pub(crate) async fn insert_idempotency(
    conn: &mut Conn,
    org: OrgId,
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

