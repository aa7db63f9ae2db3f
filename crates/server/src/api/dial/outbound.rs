use super::MAX_CALLS_PER_REQUEST;
use super::context::DialContext;
use super::idempotency::{self, Replay};
use super::item::DialItem;
use crate::api::validate::Errors;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBytes, from_value, parse_json};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;
use switchyard_core::enums::Role;

/// `POST /dial/outbound`: one call; answers the created Call.
pub async fn outbound(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBytes(bytes): JsonBytes,
) -> ApiResult<Response> {
    caller.require(Role::Representative)?;
    let item: DialItem = parse_json(&bytes)?;
    let key = match idempotency::check(&state, &caller, &headers, "outbound", &bytes).await? {
        Replay::Stored(response) => return Ok(response),
        Replay::Proceed(key) => key,
    };
    let context = DialContext::load(
        state.store.as_ref(),
        caller.organization_id,
        state.clock.now(),
    )
    .await?;
    let mut errors = Errors::default();
    let call = context.build_call(item, &|field| field.to_owned(), &mut errors);
    errors.finish()?;
    let call =
        call.ok_or_else(|| ApiError::invalid_field("body", "the call could not be built"))?;
    let body = serde_json::to_string(&call).map_err(ApiError::internal)?;
    idempotency::commit(
        &state,
        &caller,
        std::slice::from_ref(&call),
        None,
        key,
        body,
    )
    .await
}

/// `POST /dial/outbound-batched`: up to 10,000 calls, all validated before any is created;
/// a 422 names every bad index. Answers the created Calls in request order.
pub async fn batched(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBytes(bytes): JsonBytes,
) -> ApiResult<Response> {
    caller.require(Role::Representative)?;
    let items: Value = parse_json(&bytes)?;
    let Value::Array(items) = items else {
        return Err(ApiError::invalid_field(
            "body",
            "must be a JSON array of dial requests",
        ));
    };
    if items.is_empty() || items.len() > MAX_CALLS_PER_REQUEST {
        return Err(ApiError::invalid_field(
            "body",
            format!(
                "must hold 1 to {MAX_CALLS_PER_REQUEST} dial requests (got {})",
                items.len()
            ),
        ));
    }
    let key =
        match idempotency::check(&state, &caller, &headers, "outbound-batched", &bytes).await? {
            Replay::Stored(response) => return Ok(response),
            Replay::Proceed(key) => key,
        };
    let context = DialContext::load(
        state.store.as_ref(),
        caller.organization_id,
        state.clock.now(),
    )
    .await?;
    let mut errors = Errors::default();
    let mut calls = Vec::with_capacity(items.len());
    for (index, value) in items.into_iter().enumerate() {
        let at = |field: &str| format!("[{index}].{field}");
        match from_value::<DialItem>(value, &format!("[{index}]")) {
            Ok(item) => calls.extend(context.build_call(item, &at, &mut errors)),
            Err(error) => errors.0.push(error),
        }
    }
    errors.finish()?;
    let body = serde_json::to_string(&calls).map_err(ApiError::internal)?;
    idempotency::commit(&state, &caller, &calls, None, key, body).await
}
