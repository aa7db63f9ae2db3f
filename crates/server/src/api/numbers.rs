//! Phone numbers: everyone reads, Owners write (the rules are the service's, `numbers`).

use crate::api::auth::Authenticated;
use crate::api::openapi::Forbidden;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, OptionalJson, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_core::NumberId;
use switchyard_core::id::kind;
use switchyard_core::number::Number;
use switchyard_service::numbers::{self, BuyIn, ConfigPatch, TitleIn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, purchase))
        .routes(routes!(fetch, configure, release))
        .routes(routes!(retitle))
}

/// The organization's numbers, oldest first.
#[utoipa::path(
    get,
    path = "/numbers",
    operation_id = "list_numbers",
    tag = "Numbers",
    responses(
        (status = 200, description = "The numbers", body = Vec<Number>),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<Vec<Number>>> {
    Ok(Json(numbers::list(&state.services, &caller).await?))
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
        (status = 403, response = Forbidden),
        (status = 409, description = "No free number found in the area code", body = ErrorBody),
        (status = 422, description = "`area_code` is not a North American area code", body = ErrorBody),
    )
)]
async fn purchase(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    OptionalJson(body): OptionalJson<BuyIn>,
) -> ApiResult<Json<Number>> {
    Ok(Json(numbers::buy(&state.services, &caller, body).await?))
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
        (status = 404, description = "No such number in your organization", body = ErrorBody),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Number>,
) -> ApiResult<Json<Number>> {
    Ok(Json(numbers::get(&state.services, &caller, id).await?))
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
        (status = 403, response = Forbidden),
        (status = 404, description = "No such number in your organization", body = ErrorBody),
        (status = 422, description = "Probabilities out of range or not adding up to 100, or ids the organization does not have", body = ErrorBody),
    )
)]
async fn configure(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Number>,
    ApiJson(patch): ApiJson<ConfigPatch>,
) -> ApiResult<Json<Number>> {
    Ok(Json(
        numbers::route(&state.services, &caller, id, patch).await?,
    ))
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
        (status = 403, response = Forbidden),
        (status = 404, description = "No such number in your organization", body = ErrorBody),
        (status = 422, description = "`title` is missing, blank or too long", body = ErrorBody),
    )
)]
async fn retitle(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Number>,
    ApiJson(body): ApiJson<TitleIn>,
) -> ApiResult<Json<Number>> {
    Ok(Json(
        numbers::retitle(&state.services, &caller, id, body).await?,
    ))
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
        (status = 403, response = Forbidden),
        (status = 404, description = "No such number in your organization", body = ErrorBody),
    )
)]
async fn release(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Number>,
) -> ApiResult<Json<Number>> {
    Ok(Json(numbers::release(&state.services, &caller, id).await?))
}
