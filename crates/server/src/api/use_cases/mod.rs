//! Use cases (contract §6): everyone reads, Owners write.

mod input;
mod schedule;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{self, ApiJson, PathId};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use input::{Identity, UseCaseIn};
use serde_json::{Map, Value};
use switchyard_core::Id;
use switchyard_core::enums::Role;
use switchyard_core::store::StoreError;
use switchyard_core::use_case::UseCase;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/use-cases", get(list).post(create))
        .route("/use-cases/{id}", get(fetch).patch(update).delete(remove))
}

/// Oldest first.
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UseCase>>> {
    Ok(Json(
        state.store.list_use_cases(caller.organization_id).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<UseCaseIn>,
) -> ApiResult<Json<UseCase>> {
    caller.require(Role::Owner)?;
    let now = state.clock.now();
    let identity = Identity {
        id: Id::new(now),
        organization_id: caller.organization_id,
        created_at: now,
    };
    let use_case = body.into_use_case(identity)?;
    state.store.insert_use_case(&use_case).await?;
    Ok(Json(use_case))
}

async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<UseCase>> {
    let use_case = state
        .store
        .get_use_case(caller.organization_id, id)
        .await
        .map_err(use_case_error)?;
    Ok(Json(use_case))
}

/// Only the keys present change: the patch is laid over the stored use case and the result
/// is checked exactly like a new one, so a PATCH cannot produce what a POST would refuse.
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    ApiJson(patch): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<UseCase>> {
    caller.require(Role::Owner)?;
    let stored = state
        .store
        .get_use_case(caller.organization_id, id)
        .await
        .map_err(use_case_error)?;
    let Value::Object(mut merged) = serde_json::to_value(&stored).map_err(ApiError::internal)?
    else {
        return Err(ApiError::Internal(
            "a stored use case did not serialize to an object".into(),
        ));
    };
    merged.extend(patch);
    let body: UseCaseIn =
        extract::from_value(Value::Object(merged), "").map_err(|e| ApiError::invalid(vec![e]))?;
    let identity = Identity {
        id: stored.id,
        organization_id: stored.organization_id,
        created_at: stored.created_at,
    };
    let use_case = body.into_use_case(identity)?;
    state
        .store
        .update_use_case(&use_case)
        .await
        .map_err(use_case_error)?;
    Ok(Json(use_case))
}

/// Refused (`409`) while calls of it are pending or a number routes to it.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<UseCase>> {
    caller.require(Role::Owner)?;
    let use_case = state
        .store
        .delete_use_case(caller.organization_id, id)
        .await
        .map_err(use_case_error)?;
    Ok(Json(use_case))
}

fn use_case_error(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::not_found("use case"),
        other => other.into(),
    }
}
