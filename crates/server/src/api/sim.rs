//! `POST /sim/inbound` (extension): a simulated inbound call to one of the caller's
//! numbers, as `switchyard sim inbound` places it from the command line.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use switchyard_core::call::Call;
use switchyard_core::enums::Role;

pub fn routes() -> Router<AppState> {
    Router::new().route("/sim/inbound", post(inbound))
}

#[derive(Deserialize)]
struct InboundCall {
    to: String,
    from: String,
}

async fn inbound(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<InboundCall>,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Representative)?;
    let number = crate::sim::find_number(state.store.as_ref(), &body.to).await?;
    // Another organization's number is as unknown as one that does not exist.
    if number.organization_id != caller.organization_id {
        return Err(ApiError::invalid_field(
            "to",
            format!("{} is not a number of any organization", body.to),
        ));
    }
    let call =
        crate::sim::ring(state.store.as_ref(), &number, &body.from, state.clock.now()).await?;
    state.engine.wake();
    Ok(Json(call))
}
