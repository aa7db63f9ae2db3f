//! One call, or a batch of them.

use super::MAX_CALLS_PER_REQUEST;
use super::context::DialContext;
use super::idempotency::{self, Replay};
use super::item::DialItem;
use crate::auth::Caller;
use crate::json::{from_value, parse_json};
use crate::validate::Errors;
use crate::{FieldError, ServiceError, ServiceResult, Services};
use serde_json::Value;
use switchyard_core::call::Call;
use switchyard_core::enums::Role;

/// Places one call (`body`: a dial request's JSON); answers the created call's JSON, or the
/// stored answer to the same request under the same `Idempotency-Key`.
pub async fn outbound(
    services: &Services,
    caller: &Caller,
    body: &[u8],
    idempotency_key: Option<&str>,
) -> ServiceResult<String> {
    caller.require(Role::Representative)?;
    let item: DialItem = parse_json(body)?;
    let key = match idempotency::check(services, caller, idempotency_key, "outbound", body).await? {
        Replay::Stored(answer) => return Ok(answer),
        Replay::Proceed(key) => key,
    };
    let call = build_one(services, caller, item).await?;
    let answer = serde_json::to_string(&call).map_err(ServiceError::internal)?;
    idempotency::commit(
        services,
        caller,
        std::slice::from_ref(&call),
        None,
        key,
        answer,
    )
    .await
}

/// Checks one dial request and builds its call, storing nothing (the API, and the review
/// app's dial form).
pub async fn build_one(
    services: &Services,
    caller: &Caller,
    item: DialItem,
) -> ServiceResult<Call> {
    caller.require(Role::Representative)?;
    let context = DialContext::for_dial(
        services,
        caller.organization_id,
        services.clock.now_for(caller.organization_id),
        [item.prompt_id.as_deref()],
    )
    .await?;
    let mut errors = Errors::default();
    let call = context.build_call(item, &|field| field.to_owned(), &mut errors);
    errors.finish()?;
    call.ok_or_else(|| ServiceError::invalid_field("body", "the call could not be built"))
}

/// Places up to 10,000 calls (`body`: a JSON array of dial requests). Every item is checked
/// before any call is created; every bad item is named by its index (`[3].phone_number`).
/// Answers the created calls' JSON, in request order.
pub async fn batched(
    services: &Services,
    caller: &Caller,
    body: &[u8],
    idempotency_key: Option<&str>,
) -> ServiceResult<String> {
    caller.require(Role::Representative)?;
    let items: Value = parse_json(body)?;
    let Value::Array(items) = items else {
        return Err(ServiceError::invalid_field(
            "body",
            "must be a JSON array of dial requests",
        ));
    };
    if items.is_empty() || items.len() > MAX_CALLS_PER_REQUEST {
        return Err(ServiceError::invalid_field(
            "body",
            format!(
                "must hold 1 to {MAX_CALLS_PER_REQUEST} dial requests (got {})",
                items.len()
            ),
        ));
    }
    let endpoint = "outbound-batched";
    let key = match idempotency::check(services, caller, idempotency_key, endpoint, body).await? {
        Replay::Stored(answer) => return Ok(answer),
        Replay::Proceed(key) => key,
    };
    let items: Vec<Result<DialItem, FieldError>> = items
        .into_iter()
        .enumerate()
        .map(|(index, value)| from_value(value, &format!("[{index}]")))
        .collect();
    let context = DialContext::for_dial(
        services,
        caller.organization_id,
        services.clock.now_for(caller.organization_id),
        items
            .iter()
            .map(|item| item.as_ref().ok().and_then(|i| i.prompt_id.as_deref())),
    )
    .await?;
    let mut errors = Errors::default();
    let mut calls = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let at = |field: &str| format!("[{index}].{field}");
        match item {
            Ok(item) => calls.extend(context.build_call(item, &at, &mut errors)),
            Err(error) => errors.0.push(error),
        }
    }
    errors.finish()?;
    let answer = serde_json::to_string(&calls).map_err(ServiceError::internal)?;
    idempotency::commit(services, caller, &calls, None, key, answer).await
}
