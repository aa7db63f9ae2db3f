//! Phone numbers (contract §6): bought from the simulated network, routed to a use case and
//! agents, released. Everyone reads, Owners write.

mod buy;
mod routing;

use crate::api::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
};
use crate::api::validate;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, OptionalJson, PathId};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, patch};
use buy::BuyIn;
use routing::ConfigPatch;
use serde::Deserialize;
use switchyard_core::NumberId;
use switchyard_core::enums::Role;
use switchyard_core::id::kind;
use switchyard_core::number::Number;
use switchyard_core::store::StoreError;

const MAX_TITLE_CHARS: usize = 64;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/numbers", get(list).post(purchase))
        .route("/numbers/{id}", get(fetch).patch(configure).delete(release))
        .route("/numbers/{id}/title", patch(retitle))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, purchase, fetch, configure, retitle, release))]
pub struct Doc;

#[derive(Deserialize, utoipa::ToSchema)]
struct TitleIn {
    /// 1 to 64 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 64)]
    title: Option<String>,
}

/// The organization's numbers, oldest first.
#[utoipa::path(
    get,
    path = "/numbers",
    operation_id = "list_numbers",
    tag = "Numbers",
    responses(
        (status = 200, description = "The numbers", body = Vec<Number>),
        (status = 401, response = Unauthorized),
    )
)]
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Number>>> {
    Ok(Json(
        state.store.list_numbers(caller.organization_id).await?,
    ))
}

/// Buys a number.
///
/// A random line in the area code from the simulated network; `title` is the number itself
/// until renamed. The body may be left out: no body buys in area code 415. Owners only.
#[utoipa::path(
    post,
    path = "/numbers",
    operation_id = "buy_number",
    tag = "Numbers",
    request_body(content = Option<BuyIn>, description = "Optional"),
    responses(
        (status = 200, description = "The bought number", body = Number),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, description = "No free number found in the area code", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "`area_code` is not a North American area code", body = ErrorBody),
    )
)]
async fn purchase(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<BuyIn>,
) -> ApiResult<Json<Number>> {
    caller.require(Role::Owner)?;
    let area = body.area_code()?;
    let number = buy::buy(
        state.store.as_ref(),
        caller.organization_id,
        area,
        state.clock.now(),
    )
    .await?;
    Ok(Json(number))
}

/// One number.
#[utoipa::path(
    get,
    path = "/numbers/{id}",
    operation_id = "get_number",
    tag = "Numbers",
    params(("id" = NumberId, Path, description = "The number's id")),
    responses(
        (status = 200, description = "The number", body = Number),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No such number in your organization", body = ErrorBody),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Number>,
) -> ApiResult<Json<Number>> {
    Ok(Json(
        state
            .store
            .get_number(caller.organization_id, id)
            .await
            .map_err(number_error)?,
    ))
}

/// Routes a number's calls.
///
/// Which use case calls through the number run, and how agents and prompts are drawn for
/// them. Absent keys are left as they are. Owners only.
#[utoipa::path(
    patch,
    path = "/numbers/{id}",
    operation_id = "route_number",
    tag = "Numbers",
    params(("id" = NumberId, Path, description = "The number's id")),
    request_body = ConfigPatch,
    responses(
        (status = 200, description = "The number", body = Number),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such number in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "Probabilities out of range or not adding up to 100, or ids the organization does not have", body = ErrorBody),
    )
)]
async fn configure(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Number>,
    ApiJson(patch): ApiJson<ConfigPatch>,
) -> ApiResult<Json<Number>> {
    caller.require(Role::Owner)?;
    let mut number = state
        .store
        .get_number(caller.organization_id, id)
        .await
        .map_err(number_error)?;
    number.use_case_config = patch
        .apply(
            state.store.as_ref(),
            caller.organization_id,
            number.use_case_config,
        )
        .await?;
    state
        .store
        .update_number(&number)
        .await
        .map_err(number_error)?;
    Ok(Json(number))
}

/// Renames a number.
///
/// Owners only.
#[utoipa::path(
    patch,
    path = "/numbers/{id}/title",
    operation_id = "rename_number",
    tag = "Numbers",
    params(("id" = NumberId, Path, description = "The number's id")),
    request_body = TitleIn,
    responses(
        (status = 200, description = "The number", body = Number),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such number in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "`title` is missing, blank or too long", body = ErrorBody),
    )
)]
async fn retitle(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Number>,
    ApiJson(body): ApiJson<TitleIn>,
) -> ApiResult<Json<Number>> {
    caller.require(Role::Owner)?;
    let title = match body.title {
        Some(title) => validate::text("title", &title, 1, MAX_TITLE_CHARS),
        None => Err(crate::error::FieldError::new("title", "is required")),
    }
    .map_err(|e| ApiError::invalid(vec![e]))?;
    let mut number = state
        .store
        .get_number(caller.organization_id, id)
        .await
        .map_err(number_error)?;
    number.title = title;
    state
        .store
        .update_number(&number)
        .await
        .map_err(number_error)?;
    Ok(Json(number))
}

/// Releases a number.
///
/// Gives the number back to the network; the response is the number as it was. Owners only.
#[utoipa::path(
    delete,
    path = "/numbers/{id}",
    operation_id = "release_number",
    tag = "Numbers",
    params(("id" = NumberId, Path, description = "The number's id")),
    responses(
        (status = 200, description = "The released number", body = Number),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such number in your organization", body = ErrorBody),
    )
)]
async fn release(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Number>,
) -> ApiResult<Json<Number>> {
    caller.require(Role::Owner)?;
    Ok(Json(
        state
            .store
            .delete_number(caller.organization_id, id)
            .await
            .map_err(number_error)?,
    ))
}

fn number_error(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound(_) => ApiError::not_found("number"),
        other => other.into(),
    }
}
