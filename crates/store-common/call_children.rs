// Notes, ratings and views of a call. Each write first locks the call's row (also the
// org-scoped existence check), so that concurrent writers to one call take turns computing
// `seq`, the per-call insertion order. A read with FOR UPDATE, not a no-op update: on
// SQLite an update would rewrite the whole row, `doc` and all, into the WAL every time.

use crate::ThisStore;
use crate::calls_read::load_call;
use crate::support::{Conn, OrBackend, found};
use crate::write_jobs::shared_write;
use switchyard_core::call::{Call, Note, NotePatch, Rating};
use switchyard_core::enums::Emoji;
use switchyard_core::store::{StoreError, StoreResult};
use switchyard_core::{Id, Timestamp};

/// `NotFound` unless the organization has this call; locks its row until the transaction ends.
async fn lock_call(conn: &mut Conn, org: Id, call: Id) -> StoreResult<()> {
    let found: Option<i32> = sqlx::query_scalar(&format!(
        "SELECT 1 FROM calls WHERE id = $1 AND organization_id = $2{}",
        crate::FOR_UPDATE
    ))
    .bind(call.to_string())
    .bind(org.to_string())
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

/// Runs `change` on the locked call as a write job (write_jobs.rs: it may share its commit
/// with other review writes) and returns the call after it. The body owns what it uses.
macro_rules! change_call {
    ($store:expr, $org:expr, $call:expr, |$tx:ident| $body:block) => {{
        let (org, call) = ($org, $call);
        shared_write($store, move |$tx: &mut Conn| {
            Box::pin(async move {
                lock_call(&mut *$tx, org, call).await?;
                $body
                load_call(&mut *$tx, org, call).await
            })
        })
        .await
    }};
}

pub(crate) async fn add_note(
    store: &ThisStore,
    org: Id,
    call: Id,
    note: &Note,
) -> StoreResult<Call> {
    let note = note.clone();
    change_call!(store, org, call, |tx| {
        sqlx::query(
            "INSERT INTO call_notes \
             (id, call_id, organization_id, seq, user_id, content, flagged, created_at, updated_at) \
             VALUES ($1, $2, $3, \
               (SELECT COALESCE(MAX(seq), 0) + 1 FROM call_notes WHERE call_id = $2), \
               $4, $5, $6, $7, $8)",
        )
        .bind(note.id.to_string())
        .bind(call.to_string())
        .bind(org.to_string())
        .bind(&note.user_id)
        .bind(&note.content)
        .bind(note.flagged)
        .bind(note.created_at.millis())
        .bind(note.updated_at.map(Timestamp::millis))
        .execute(&mut *tx)
        .await
        .db()?;
    })
}

pub(crate) async fn update_note(
    store: &ThisStore,
    org: Id,
    call: Id,
    note: Id,
    patch: &NotePatch,
    now: Timestamp,
) -> StoreResult<Call> {
    let patch = patch.clone();
    change_call!(store, org, call, |tx| {
        let done = sqlx::query(
            "UPDATE call_notes SET content = COALESCE($3, content), \
               flagged = COALESCE($4, flagged), updated_at = $5 \
             WHERE id = $1 AND call_id = $2",
        )
        .bind(note.to_string())
        .bind(call.to_string())
        .bind(&patch.content)
        .bind(patch.flagged)
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .db()?;
        found(done.rows_affected())?;
    })
}

pub(crate) async fn delete_note(
    store: &ThisStore,
    org: Id,
    call: Id,
    note: Id,
) -> StoreResult<Call> {
    change_call!(store, org, call, |tx| {
        let done = sqlx::query("DELETE FROM call_notes WHERE id = $1 AND call_id = $2")
            .bind(note.to_string())
            .bind(call.to_string())
            .execute(&mut *tx)
            .await
            .db()?;
        found(done.rows_affected())?;
    })
}

pub(crate) async fn mark_viewed(
    store: &ThisStore,
    org: Id,
    call: Id,
    email: &str,
    now: Timestamp,
) -> StoreResult<Call> {
    let email = email.to_owned();
    change_call!(store, org, call, |tx| {
        sqlx::query(
            "INSERT INTO call_views (call_id, organization_id, email, viewed_at, seq) \
             VALUES ($1, $2, $3, $4, \
               (SELECT COALESCE(MAX(seq), 0) + 1 FROM call_views WHERE call_id = $1)) \
             ON CONFLICT (call_id, email) DO NOTHING",
        )
        .bind(call.to_string())
        .bind(org.to_string())
        .bind(&email)
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .db()?;
    })
}

pub(crate) async fn add_rating(
    store: &ThisStore,
    org: Id,
    call: Id,
    rating: &Rating,
) -> StoreResult<Call> {
    let rating = rating.clone();
    change_call!(store, org, call, |tx| {
        sqlx::query(
            "INSERT INTO call_ratings (call_id, organization_id, emoji, email, created, seq) \
             VALUES ($1, $2, $3, $4, $5, \
               (SELECT COALESCE(MAX(seq), 0) + 1 FROM call_ratings WHERE call_id = $1)) \
             ON CONFLICT (call_id, email, emoji) DO NOTHING",
        )
        .bind(call.to_string())
        .bind(org.to_string())
        .bind(rating.emoji.as_str())
        .bind(&rating.email)
        .bind(rating.created.millis())
        .execute(&mut *tx)
        .await
        .db()?;
    })
}

pub(crate) async fn remove_rating(
    store: &ThisStore,
    org: Id,
    call: Id,
    emoji: Emoji,
    email: &str,
) -> StoreResult<Call> {
    let email = email.to_owned();
    change_call!(store, org, call, |tx| {
        sqlx::query("DELETE FROM call_ratings WHERE call_id = $1 AND email = $2 AND emoji = $3")
            .bind(call.to_string())
            .bind(&email)
            .bind(emoji.as_str())
            .execute(&mut *tx)
            .await
            .db()?;
    })
}
