// How a Call is laid out in the `calls` table, and multi-row inserts.
//
// `call_columns` is the ONE place that derives the indexed columns from a Call: every
// write of a call row goes through it. `doc` holds the Call without `notes`, `ratings` and
// `viewed_by` (those live in child tables) and is what reads deserialize.

use crate::support::{Conn, OrBackend, backend, from_json, to_json};
use sqlx::QueryBuilder;
use switchyard_core::call::Call;
use switchyard_core::store::StoreResult;

/// The Call keys kept in child tables instead of `doc`.
const CHILD_KEYS: [&str; 3] = ["notes", "ratings", "viewed_by"];

/// Bind parameters per statement for multi-row inserts: well below the limits of both
/// backends (SQLite 32766, PostgreSQL 65535), and about 200 call rows.
const MAX_BINDS: usize = 3000;

/// A value for one column.
#[derive(Clone)]
pub(crate) enum Col {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
    MaybeInt(Option<i64>),
    MaybeFloat(Option<f64>),
    Bool(bool),
}

pub(crate) fn push_col(qb: &mut QueryBuilder<'static, crate::Db>, col: Col) {
    match col {
        Col::Text(v) => qb.push_bind(v),
        Col::MaybeText(v) => qb.push_bind(v),
        Col::Int(v) => qb.push_bind(v),
        Col::MaybeInt(v) => qb.push_bind(v),
        Col::MaybeFloat(v) => qb.push_bind(v),
        Col::Bool(v) => qb.push_bind(v),
    };
}

/// The `calls` row of `call`, column by column, `id` and `organization_id` first.
pub(crate) fn call_columns(call: &Call) -> StoreResult<Vec<(&'static str, Col)>> {
    let id = |v: Option<switchyard_core::Id>| v.map(|id| id.to_string());
    Ok(vec![
        ("id", Col::Text(call.id.to_string())),
        (
            "organization_id",
            Col::Text(call.organization_id.to_string()),
        ),
        ("created_at", Col::Int(call.created.millis())),
        ("call_type", Col::Text(call.call_type.as_str().to_owned())),
        ("status", Col::Text(call.status.as_str().to_owned())),
        ("use_case_id", Col::Text(call.use_case.id.to_string())),
        ("model", Col::Text(call.use_case.model.clone())),
        ("campaign_id", Col::MaybeText(id(call.campaign_id))),
        ("from_number", Col::Text(call.metadata.from.clone())),
        ("to_number", Col::Text(call.metadata.to.clone())),
        (
            "transfer_contact_email",
            Col::MaybeText(
                call.transfer_contact_email
                    .as_ref()
                    .map(|e| e.to_lowercase()),
            ),
        ),
        ("parent_call_id", Col::MaybeText(id(call.parent_call_id))),
        (
            "scheduled_for",
            Col::MaybeInt(call.scheduled_for.map(|t| t.millis())),
        ),
        ("search_text", Col::Text(call.search_text())),
        ("duration_secs", Col::MaybeFloat(call.duration)),
        ("doc", Col::Text(call_doc(call)?)),
    ])
}

fn call_doc(call: &Call) -> StoreResult<String> {
    let mut value = serde_json::to_value(call).map_err(backend)?;
    if let Some(object) = value.as_object_mut() {
        for key in CHILD_KEYS {
            object.remove(key);
        }
    }
    to_json(&value)
}

/// The Call in `doc`, with empty child lists (absent from the doc) for the caller to fill.
pub(crate) fn call_from_doc(doc: &str) -> StoreResult<Call> {
    from_json(doc)
}

/// `INSERT INTO {table} ({columns}) VALUES (...), (...) {suffix}` in as many statements as
/// the bind limit needs. Run it inside a transaction so that it is all or nothing.
pub(crate) async fn insert_rows(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Col>>,
    suffix: &str,
) -> StoreResult<()> {
    let per_statement = (MAX_BINDS / columns.len().max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut qb = QueryBuilder::new(format!(
            "INSERT INTO {table} ({}) VALUES ",
            columns.join(", ")
        ));
        for (i, row) in rows.by_ref().take(per_statement).enumerate() {
            qb.push(if i == 0 { "(" } else { ", (" });
            for (j, col) in row.into_iter().enumerate() {
                if j > 0 {
                    qb.push(", ");
                }
                push_col(&mut qb, col);
            }
            qb.push(")");
        }
        qb.push(" ").push(suffix);
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

/// Rewrites the row of `call` if its stored status is still `old` (compare-and-set);
/// `false` if it is not (unknown call, other organization, or a concurrent change).
pub(crate) async fn update_call(conn: &mut Conn, call: &Call, old: &str) -> StoreResult<bool> {
    let mut qb = QueryBuilder::new("UPDATE calls SET ");
    let mut first = true;
    for (name, col) in call_columns(call)? {
        if name == "id" || name == "organization_id" {
            continue;
        }
        if !first {
            qb.push(", ");
        }
        first = false;
        qb.push(name).push(" = ");
        push_col(&mut qb, col);
    }
    qb.push(" WHERE id = ").push_bind(call.id.to_string());
    qb.push(" AND organization_id = ")
        .push_bind(call.organization_id.to_string());
    qb.push(" AND status = ").push_bind(old.to_owned());
    let done = qb.build().execute(&mut *conn).await.db()?;
    Ok(done.rows_affected() > 0)
}
