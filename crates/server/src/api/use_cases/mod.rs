//! Use cases: everyone reads, Owners write (the rules are the service's, `use_cases`).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, Unprocessable};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value};
use switchyard_core::UseCaseId;
use switchyard_core::id::kind;
use switchyard_core::use_case::UseCase;
use switchyard_service::use_cases::{self, UseCaseIn, UseCasePatch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(fetch, update, remove))
}

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
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Vec<UseCase>>> {
    Ok(Json(use_cases::list(&state.services, &caller).await?))
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
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<UseCaseIn>,
) -> ApiResult<Json<UseCase>> {
    Ok(Json(
        use_cases::create(&state.services, &caller, body).await?,
    ))
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
        (status = 404, description = "No such use case in your organization", body = ErrorBody),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::UseCase>,
) -> ApiResult<Json<UseCase>> {
    Ok(Json(use_cases::get(&state.services, &caller, id).await?))
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
        (status = 403, response = Forbidden),
        (status = 404, description = "No such use case in your organization", body = ErrorBody),
        (status = 422, response = Unprocessable),
    )
)]
async fn update(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::UseCase>,
    ApiJson(patch): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<UseCase>> {
    Ok(Json(
        use_cases::update(&state.services, &caller, id, patch).await?,
    ))
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
        (status = 403, response = Forbidden),
        (status = 404, description = "No such use case in your organization", body = ErrorBody),
        (status = 409, description = "Calls of the use case are still `Scheduled` or `Queued`, or a number routes to it", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::UseCase>,
) -> ApiResult<Json<UseCase>> {
    Ok(Json(use_cases::delete(&state.services, &caller, id).await?))
}
