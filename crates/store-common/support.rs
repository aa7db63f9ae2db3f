// Helpers shared by every resource module: error mapping, JSON columns, row access and the
// organization row lock. Included into each backend crate (see README.md); `crate::Db` is
// that backend's `sqlx::Database`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use switchyard_core::id::{Entity, Id, Kind, OrgId};
use switchyard_core::store::{StoreError, StoreResult};

/// A connection of this backend: what a pooled connection or a transaction derefs to.
pub(crate) type Conn = <crate::Db as sqlx::Database>::Connection;
pub(crate) type DbRow = <crate::Db as sqlx::Database>::Row;
pub(crate) type Tx = sqlx::Transaction<'static, crate::Db>;

pub(crate) fn backend(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Backend(e.into())
}

/// `Duplicate(name)` for a unique violation, `Backend` for anything else.
pub(crate) fn unique_or(e: sqlx::Error, name: &'static str) -> StoreError {
    if e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
    {
        StoreError::Duplicate(name)
    } else {
        backend(e)
    }
}

pub(crate) trait OrBackend<T> {
    /// Maps a sqlx error to `StoreError::Backend`.
    fn db(self) -> StoreResult<T>;
}

impl<T> OrBackend<T> for Result<T, sqlx::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(backend)
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(backend)
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(backend)
}

pub(crate) fn get<T>(row: &DbRow, column: &str) -> StoreResult<T>
where
    T: for<'r> sqlx::Decode<'r, crate::Db> + sqlx::Type<crate::Db>,
{
    row.try_get(column).db()
}

pub(crate) fn get_id<K: Kind>(row: &DbRow, column: &str) -> StoreResult<Id<K>> {
    get::<String>(row, column)?.parse().map_err(backend)
}

/// The document in column `doc` of `row`.
pub(crate) fn get_doc<T: DeserializeOwned>(row: &DbRow) -> StoreResult<T> {
    from_json(&get::<String>(row, "doc")?)
}

/// Fails with `NotFound` when nothing was changed.
pub(crate) fn found(rows_affected: u64, what: Entity) -> StoreResult<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound(what))
    } else {
        Ok(())
    }
}

/// Locks the organization's row until the transaction ends (a no-op write: PostgreSQL takes
/// a row lock, SQLite already holds the write lock), so that checks across its rows (the
/// last Owner) cannot race. `NotFound` for an unknown organization.
pub(crate) async fn lock_org(conn: &mut Conn, org: OrgId) -> StoreResult<()> {
    let done = sqlx::query("UPDATE organizations SET name = name WHERE id = $1")
        .bind(org.to_string())
        .execute(&mut *conn)
        .await
        .db()?;
    found(done.rows_affected(), Entity::Organization)
}
