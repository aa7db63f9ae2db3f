//! Prompts (an extension): everyone reads (tool credentials masked but for Owners), Owners
//! write (the rules are the service's, `prompts`).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, Unprocessable};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_core::PromptId;
use switchyard_core::id::kind;
use switchyard_core::prompt::Prompt;
use switchyard_service::prompts::{self, PromptIn, PromptPatch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(fetch, update, remove))
}

/// The organization's prompts, oldest first.
///
/// Tools' header values, and the passwords and query values of their URLs, read
/// `********` to everyone but Owners.
#[utoipa::path(
    get,
    path = "/prompts",
    operation_id = "list_prompts",
    tag = "Prompts",
    responses(
        (status = 200, description = "The prompts", body = Vec<Prompt>),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Vec<Prompt>>> {
    Ok(Json(prompts::list(&state.services, &caller).await?))
}

/// Creates a prompt.
///
/// The client may choose its `id`; `409` when the organization already has it. Owners only.
#[utoipa::path(
    post,
    path = "/prompts",
    operation_id = "create_prompt",
    tag = "Prompts",
    request_body = PromptIn,
    responses(
        (status = 200, description = "The created prompt", body = Prompt),
        (status = 403, response = Forbidden),
        (status = 409, description = "The organization already has a prompt with this id", body = ErrorBody),
        (status = 422, response = Unprocessable),
    )
)]
async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<PromptIn>,
) -> ApiResult<Json<Prompt>> {
    Ok(Json(prompts::create(&state.services, &caller, body).await?))
}

/// One prompt.
///
/// Tools' credentials are masked for everyone but Owners, as in the list.
#[utoipa::path(
    get,
    path = "/prompts/{id}",
    operation_id = "get_prompt",
    tag = "Prompts",
    params(("id" = PromptId, Path, description = "The prompt's id")),
    responses(
        (status = 200, description = "The prompt", body = Prompt),
        (status = 404, description = "No such prompt in your organization", body = ErrorBody),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Prompt>,
) -> ApiResult<Json<Prompt>> {
    Ok(Json(prompts::get(&state.services, &caller, id).await?))
}

/// Changes a prompt.
///
/// Only the keys present change. Owners only.
#[utoipa::path(
    patch,
    path = "/prompts/{id}",
    operation_id = "update_prompt",
    tag = "Prompts",
    params(("id" = PromptId, Path, description = "The prompt's id")),
    request_body = PromptPatch,
    responses(
        (status = 200, description = "The changed prompt", body = Prompt),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such prompt in your organization", body = ErrorBody),
        (status = 422, response = Unprocessable),
    )
)]
async fn update(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Prompt>,
    ApiJson(patch): ApiJson<PromptPatch>,
) -> ApiResult<Json<Prompt>> {
    Ok(Json(
        prompts::update(&state.services, &caller, id, patch).await?,
    ))
}

/// Deletes a prompt.
///
/// Refused (`409`) while a call that has not ended runs it, a number routes to it, or a use
/// case has it as its default. Owners only.
#[utoipa::path(
    delete,
    path = "/prompts/{id}",
    operation_id = "delete_prompt",
    tag = "Prompts",
    params(("id" = PromptId, Path, description = "The prompt's id")),
    responses(
        (status = 200, description = "The deleted prompt", body = Prompt),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such prompt in your organization", body = ErrorBody),
        (status = 409, description = "A call that has not ended runs it, a number routes to it, or a use case has it as its default", body = ErrorBody),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Prompt>,
) -> ApiResult<Json<Prompt>> {
    Ok(Json(prompts::delete(&state.services, &caller, id).await?))
}
