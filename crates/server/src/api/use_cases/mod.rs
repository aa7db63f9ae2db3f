//! Use cases (contract §6): everyone reads, Owners write.

mod hooks;
mod input;
mod schedule;

use crate::api::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{self, ApiJson, PathId};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use input::{Identity, UseCaseIn, UseCasePatch};
use serde_json::{Map, Value};
use switchyard_core::enums::Role;
use switchyard_core::id::kind;
use switchyard_core::store::StoreError;
use switchyard_core::use_case::UseCase;
use switchyard_core::{Id, UseCaseId};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/use-cases", get(list).post(create))
        .route("/use-cases/{id}", get(fetch).patch(update).delete(remove))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, fetch, update, remove))]
pub struct Doc;

/// The organization's use cases, oldest first.
///
/// Hooks' header values, and the passwords and query values of their URLs, read
/// `********` to everyone but Owners.
#[utoipa::path(
    get,
    path = "/use-cases",
    operation_id = "list_use_cases",
    tag = "Use cases",
    responses(
        (status = 200, description = "The use cases", body = Vec<UseCase>),
        (status = 401, response = Unauthorized),
    )
)]
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UseCase>>> {
    let use_cases = state.store.list_use_cases(caller.organization_id).await?;
    Ok(Json(
        use_cases
            .into_iter()
            .map(|use_case| as_seen_by(&caller, use_case))
            .collect(),
    ))
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

/// Creates a use case.
///
/// Owners only.
#[utoipa::path(
    post,
    path = "/use-cases",
    operation_id = "create_use_case",
    tag = "Use cases",
    request_body = UseCaseIn,
    responses(
        (status = 200, description = "The created use case", body = UseCase),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
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
    hooks::check_destinations(&state, &use_case.hooks).await?;
    state.store.insert_use_case(&use_case).await?;
    Ok(Json(use_case))
}

/// One use case.
///
/// Hooks' credentials are masked for everyone but Owners, as in the list.
#[utoipa::path(
    get,
    path = "/use-cases/{id}",
    operation_id = "get_use_case",
    tag = "Use cases",
    params(("id" = UseCaseId, Path, description = "The use case's id")),
    responses(
        (status = 200, description = "The use case", body = UseCase),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No such use case in your organization", body = ErrorBody),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::UseCase>,
) -> ApiResult<Json<UseCase>> {
    let use_case = state
        .store
        .get_use_case(caller.organization_id, id)
        .await
        .map_err(use_case_error)?;
    Ok(Json(as_seen_by(&caller, use_case)))
}

/// Changes a use case.
///
/// Only the keys present change: the patch is laid over the stored use case and the result
/// is checked exactly like a new one, so a PATCH cannot produce what a POST would refuse.
/// Owners only.
#[utoipa::path(
    patch,
    path = "/use-cases/{id}",
    operation_id = "update_use_case",
    tag = "Use cases",
    params(("id" = UseCaseId, Path, description = "The use case's id")),
    request_body = UseCasePatch,
    responses(
        (status = 200, description = "The changed use case", body = UseCase),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such use case in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::UseCase>,
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
    hooks::check_destinations(&state, &use_case.hooks).await?;
    state
        .store
        .update_use_case(&use_case)
        .await
        .map_err(use_case_error)?;
    Ok(Json(use_case))
}

/// Deletes a use case.
///
/// Refused (`409`) while calls of it are pending or a number routes to it. Owners only.
#[utoipa::path(
    delete,
    path = "/use-cases/{id}",
    operation_id = "delete_use_case",
    tag = "Use cases",
    params(("id" = UseCaseId, Path, description = "The use case's id")),
    responses(
        (status = 200, description = "The deleted use case", body = UseCase),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such use case in your organization", body = ErrorBody),
        (status = 409, description = "Calls of the use case are still `Scheduled` or `Queued`, or a number routes to it", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::UseCase>,
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
        StoreError::NotFound(_) => ApiError::not_found("use case"),
        other => other.into(),
    }
}
