//! Calls: reading and listing them, what reviewers add (notes, ratings, views), stopping,
//! canceling and deleting them, and what the engine produced for them (transcript, logs,
//! recording).

pub mod cursor;
mod listing;
pub mod notes;
pub mod outputs;
pub mod query;
pub mod review;

pub use listing::{CallPage, current_page, list, list_decoded, neighbours, tags};

use crate::auth::Caller;
use crate::{ServiceResult, Services};
use switchyard_core::CallId;
use switchyard_core::call::Call;
use switchyard_core::call_json::CallJson;
use switchyard_core::enums::Role;
use switchyard_engine::recording_key;

/// One call, as its wire JSON.
pub async fn get(services: &Services, caller: &Caller, id: CallId) -> ServiceResult<CallJson> {
    Ok(services
        .store
        .get_call_json(caller.organization_id, id)
        .await?)
}

/// One call, decoded (the review app's call page).
pub async fn read(services: &Services, caller: &Caller, id: CallId) -> ServiceResult<Call> {
    Ok(services.store.get_call(caller.organization_id, id).await?)
}

/// Hangs up a live call through the engine: `In progress` ends `Completed`, `Initiated` and
/// `Ringing` end `Canceled`. Representatives and Owners.
pub async fn stop(services: &Services, caller: &Caller, id: CallId) -> ServiceResult<Call> {
    caller.require(Role::Representative)?;
    Ok(services
        .engine
        .stop_call(caller.organization_id, id)
        .await?)
}

/// Cancels a call not dialed yet (`Scheduled` or `Queued`). Representatives and Owners.
pub async fn cancel(services: &Services, caller: &Caller, id: CallId) -> ServiceResult<Call> {
    caller.require(Role::Representative)?;
    Ok(services
        .engine
        .cancel_call(caller.organization_id, id)
        .await?)
}

/// Deletes a call with its notes, transcript, logs and recording. Owners only.
pub async fn delete(services: &Services, caller: &Caller, id: CallId) -> ServiceResult<Call> {
    caller.require(Role::Owner)?;
    let org = caller.organization_id;
    let call = services.store.delete_call(org, id).await?;
    // The row is gone first: a failure here leaves an orphan file, never a call whose
    // recording link breaks.
    if let Err(error) = services.blobs.delete(&recording_key(org, id)).await {
        tracing::warn!(%error, call_id = %id, "could not delete a deleted call's recording");
    }
    Ok(call)
}
