use super::MAX_CALLS_PER_REQUEST;
use super::context::DialContext;
use super::idempotency::{self, IdempotencyKeyHeader, Replay};
use super::item::DialItem;
use crate::api::openapi::{Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType};
use crate::api::validate::Errors;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBytes, from_value, parse_json};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;
use switchyard_core::call::Call;
use switchyard_core::enums::Role;

/// Places one call.
///
/// The call is created `Queued` (or `Scheduled` for a future `scheduled_for`) and the
/// engine takes it from there. Representatives and Owners.
#[utoipa::path(
    post,
    path = "/dial/outbound",
    tag = "Dial",
    params(IdempotencyKeyHeader),
    request_body = DialItem,
    responses(
        (status = 200, description = "The created call", body = Call),
        (status = 400, description = "The body is not valid JSON, or the `Idempotency-Key` is malformed", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, description = "A request with the same `Idempotency-Key` is still in progress: retry", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A field breaks a rule, names something the organization does not have, or the `Idempotency-Key` was used with another body", body = ErrorBody),
    )
)]
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
    let call = build_one(&state, &caller, item).await?;
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

/// Checks one dial request and builds its call, storing nothing (the API, and the review
/// app's dial form).
pub(crate) async fn build_one(
    state: &AppState,
    caller: &Caller,
    item: DialItem,
) -> ApiResult<Call> {
    caller.require(Role::Representative)?;
    let context = DialContext::load(
        state.store.as_ref(),
        caller.organization_id,
        state.clock.now(),
    )
    .await?;
    let mut errors = Errors::default();
    let call = context.build_call(item, &|field| field.to_owned(), &mut errors);
    errors.finish()?;
    call.ok_or_else(|| ApiError::invalid_field("body", "the call could not be built"))
}

/// Places up to 10,000 calls at once.
///
/// Every item is checked before any call is created; a `422` names every bad item
/// (`[3].phone_number`). Answers the created calls in request order. Representatives and
/// Owners.
#[utoipa::path(
    post,
    path = "/dial/outbound-batched",
    tag = "Dial",
    params(IdempotencyKeyHeader),
    request_body(content = Vec<DialItem>, description = "1 to 10,000 calls"),
    responses(
        (status = 200, description = "The created calls, in request order", body = Vec<Call>),
        (status = 400, description = "The body is not valid JSON, or the `Idempotency-Key` is malformed", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, description = "A request with the same `Idempotency-Key` is still in progress: retry", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "Not an array of 1 to 10,000 items, bad items (each named by its index), or the `Idempotency-Key` was used with another body", body = ErrorBody),
    )
)]
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
