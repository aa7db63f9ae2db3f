//! Phone numbers (contract §6): bought from the simulated network, routed to a use case and
//! agents, released. Everyone reads, Owners write.

mod buy;
mod routing;

use crate::api::validate;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, OptionalJson, PathId};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, patch};
use buy::BuyIn;
use routing::ConfigPatch;
use serde::Deserialize;
use switchyard_core::enums::Role;
use switchyard_core::number::Number;
use switchyard_core::store::StoreError;

const MAX_TITLE_CHARS: usize = 64;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/numbers", get(list).post(purchase))
        .route("/numbers/{id}", get(fetch).patch(configure).delete(release))
        .route("/numbers/{id}/title", patch(retitle))
}

#[derive(Deserialize)]
struct TitleIn {
    title: Option<String>,
}

/// Oldest first.
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Number>>> {
    Ok(Json(
        state.store.list_numbers(caller.organization_id).await?,
    ))
}

/// The body is optional: no body buys a number in the default area code.
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

async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Number>> {
    Ok(Json(
        state
            .store
            .get_number(caller.organization_id, id)
            .await
            .map_err(number_error)?,
    ))
}

async fn configure(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
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

async fn retitle(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
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

/// Gives the number back to the network; the response is the number as it was.
async fn release(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
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
        StoreError::NotFound => ApiError::not_found("number"),
        other => other.into(),
    }
}
