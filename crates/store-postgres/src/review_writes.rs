//! Review writes (store-common/call_children.rs) on PostgreSQL: each in a transaction of its
//! own. PostgreSQL commits concurrent transactions side by side and already groups their
//! syncs to disk, so there is nothing to gain from sharing one.

use crate::call_children::{ReviewWrite, push_change, push_lock_call};
use crate::calls_read::load_stored;
use crate::support::{OrBackend, found};
use crate::{Backend, ThisStore};
use sqlx::QueryBuilder;
use switchyard_core::call_json::CallJson;
use switchyard_core::id::{CallId, Entity, OrgId};
use switchyard_core::store::{StoreError, StoreResult};

pub(crate) async fn review_write(
    store: &ThisStore,
    org: OrgId,
    call: CallId,
    write: ReviewWrite,
) -> StoreResult<CallJson> {
    let mut tx = store.write_tx().await?;
    let mut lock = QueryBuilder::new("");
    push_lock_call(&mut lock, org, call);
    if lock.build().fetch_optional(&mut *tx).await.db()?.is_none() {
        return Err(StoreError::NotFound(Entity::Call));
    }
    let mut change = QueryBuilder::new("");
    push_change(&mut change, org, call, &write);
    let changed = change.build().execute(&mut *tx).await.db()?.rows_affected();
    if write.must_change_a_row() {
        found(changed, Entity::Note)?;
    }
    let after = load_stored(&mut tx, org, call).await?;
    tx.commit().await.db()?;
    Ok(after)
}
