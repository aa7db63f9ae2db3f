//! Use cases: everyone reads them (hook credentials masked but for Owners), Owners write
//! them. A write is checked whole: a PATCH is laid over the stored use case and checked
//! exactly like a new one, so it cannot produce what a create would refuse.

pub(crate) mod hooks;
mod input;
mod schedule;

pub use input::{UseCaseIn, UseCasePatch};

use crate::auth::Caller;
use crate::json::from_value;
use crate::{ServiceError, ServiceResult, Services};
use input::Identity;
use serde_json::{Map, Value};
use switchyard_core::UseCaseId;
use switchyard_core::enums::Role;
use switchyard_core::store::StoreError;
use switchyard_core::use_case::UseCase;

/// The organization's use cases, oldest first.
pub async fn list(services: &Services, caller: &Caller) -> ServiceResult<Vec<UseCase>> {
    let use_cases = services
        .store
        .list_use_cases(caller.organization_id)
        .await?;
    Ok(use_cases
        .into_iter()
        .map(|use_case| as_seen_by(caller, use_case))
        .collect())
}

pub async fn get(services: &Services, caller: &Caller, id: UseCaseId) -> ServiceResult<UseCase> {
    let use_case = services
        .store
        .get_use_case(caller.organization_id, id)
        .await?;
    Ok(as_seen_by(caller, use_case))
}

/// Hooks carry credentials (header values, tokens in URLs): only Owners, who write them,
/// read them; everyone else sees them masked.
fn as_seen_by(caller: &Caller, use_case: UseCase) -> UseCase {
    if caller.role >= Role::Owner {
        use_case
    } else {
        use_case.with_hooks_masked()
    }
}

/// Creates a use case. Owners only.
pub async fn create(
    services: &Services,
    caller: &Caller,
    body: UseCaseIn,
) -> ServiceResult<UseCase> {
    caller.require(Role::Owner)?;
    let now = services.clock.now_for(caller.organization_id);
    let identity = Identity {
        id: UseCaseId::new(now),
        organization_id: caller.organization_id,
        created_at: now,
    };
    let use_case = body.into_use_case(identity)?;
    check_default_prompt(services, &use_case).await?;
    hooks::check_destinations(services, &use_case.hooks).await?;
    services.store.insert_use_case(&use_case).await?;
    Ok(use_case)
}

/// Changes the keys present in `patch` (as JSON). Owners only.
pub async fn update(
    services: &Services,
    caller: &Caller,
    id: UseCaseId,
    patch: Map<String, Value>,
) -> ServiceResult<UseCase> {
    caller.require(Role::Owner)?;
    let stored = services
        .store
        .get_use_case(caller.organization_id, id)
        .await?;
    let Value::Object(mut merged) =
        serde_json::to_value(&stored).map_err(ServiceError::internal)?
    else {
        return Err(ServiceError::Internal(
            "a stored use case did not serialize to an object".into(),
        ));
    };
    merged.extend(patch);
    let body: UseCaseIn =
        from_value(Value::Object(merged), "").map_err(|e| ServiceError::invalid(vec![e]))?;
    let identity = Identity {
        id: stored.id,
        organization_id: stored.organization_id,
        created_at: stored.created_at,
    };
    let use_case = body.into_use_case(identity)?;
    check_default_prompt(services, &use_case).await?;
    hooks::check_destinations(services, &use_case.hooks).await?;
    services.store.update_use_case(&use_case).await?;
    Ok(use_case)
}

/// The default prompt must be one of the organization's (the store keeps it from being
/// deleted while it is).
async fn check_default_prompt(services: &Services, use_case: &UseCase) -> ServiceResult<()> {
    let Some(id) = use_case.default_prompt_id else {
        return Ok(());
    };
    match services
        .store
        .get_prompt(use_case.organization_id, id)
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound(_)) => Err(ServiceError::invalid_field(
            "default_prompt_id",
            format!("your organization has no prompt {id}"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Deletes a use case; refused while calls of it are pending or a number routes to it.
/// Owners only.
pub async fn delete(services: &Services, caller: &Caller, id: UseCaseId) -> ServiceResult<UseCase> {
    caller.require(Role::Owner)?;
    Ok(services
        .store
        .delete_use_case(caller.organization_id, id)
        .await?)
}
