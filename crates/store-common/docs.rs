// Tables that hold one JSON document per object next to its id, organization and creation
// time: use_cases, agents, campaigns. `table` is always one of those constant names.

use crate::support::{Conn, OrBackend, found, get_doc, to_json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use switchyard_core::store::{StoreError, StoreResult};
use switchyard_core::Timestamp;
use switchyard_core::id::{Id, Kind, OrgId};

pub(crate) async fn insert<T: Serialize, K: Kind>(
    conn: &mut Conn,
    table: &'static str,
    org: OrgId,
    id: Id<K>,
    created_at: Timestamp,
    doc: &T,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO {table} (id, organization_id, created_at, doc) VALUES ($1, $2, $3, $4)"
    ))
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(created_at.millis())
    .bind(to_json(doc)?)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

pub(crate) async fn get<T: DeserializeOwned, K: Kind>(
    conn: &mut Conn,
    table: &'static str,
    org: OrgId,
    id: Id<K>,
) -> StoreResult<T> {
    let row = sqlx::query(&format!(
        "SELECT doc FROM {table} WHERE id = $1 AND organization_id = $2"
    ))
    .bind(id.to_string())
    .bind(org.to_string())
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    get_doc(&row.ok_or(StoreError::NotFound(K::ENTITY))?)
}

/// Oldest first (ids break ties, and they grow with time).
pub(crate) async fn list<T: DeserializeOwned>(
    conn: &mut Conn,
    table: &'static str,
    org: OrgId,
) -> StoreResult<Vec<T>> {
    let rows = sqlx::query(&format!(
        "SELECT doc FROM {table} WHERE organization_id = $1 ORDER BY created_at, id"
    ))
    .bind(org.to_string())
    .fetch_all(&mut *conn)
    .await
    .db()?;
    rows.iter().map(get_doc).collect()
}

/// Replaces the document; `NotFound` unless (org, id) exists.
pub(crate) async fn update<T: Serialize, K: Kind>(
    conn: &mut Conn,
    table: &'static str,
    org: OrgId,
    id: Id<K>,
    doc: &T,
) -> StoreResult<()> {
    let done = sqlx::query(&format!(
        "UPDATE {table} SET doc = $3 WHERE id = $1 AND organization_id = $2"
    ))
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(to_json(doc)?)
    .execute(&mut *conn)
    .await
    .db()?;
    found(done.rows_affected(), K::ENTITY)
}

/// Deletes the row and returns the object it held; `NotFound` unless (org, id) exists.
pub(crate) async fn delete<T: DeserializeOwned, K: Kind>(
    conn: &mut Conn,
    table: &'static str,
    org: OrgId,
    id: Id<K>,
) -> StoreResult<T> {
    let row = sqlx::query(&format!(
        "DELETE FROM {table} WHERE id = $1 AND organization_id = $2 RETURNING doc"
    ))
    .bind(id.to_string())
    .bind(org.to_string())
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    get_doc(&row.ok_or(StoreError::NotFound(K::ENTITY))?)
}
