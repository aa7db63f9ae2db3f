//! Dial: one call, a batch, a campaign (the checks and the storing are the service's,
//! `dial`). These handlers read the raw body, which the `Idempotency-Key` is checked
//! against, and the header itself.

use crate::api::auth::Authenticated;
use crate::api::openapi::Forbidden;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::JsonBytes;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use switchyard_core::call::Call;
use switchyard_service::dial::item::DialItem;
use switchyard_service::dial::scheduled::CampaignOut;
use switchyard_service::dial::{self, CampaignIn};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

/// The batched and scheduled endpoints take larger bodies than the rest.
pub fn router(batch_body_limit_bytes: usize) -> OpenApiRouter<AppState> {
    let limited = |(schemas, paths, method_router): UtoipaMethodRouter<AppState>| {
        let limit = DefaultBodyLimit::max(batch_body_limit_bytes);
        (schemas, paths, method_router.layer(limit))
    };
    OpenApiRouter::new()
        .routes(routes!(outbound))
        .routes(limited(routes!(batched)))
        .routes(limited(routes!(campaign)))
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The header as the OpenAPI document shows it on every dial endpoint (read by
/// [`idempotency_key`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // documentation only: the header is read from the request's headers
pub struct IdempotencyKeyHeader {
    /// (extension) The same key with the same body within 24 hours answers the first response again and dials nobody; with another body it is a `422`
    #[param(
        rename = "Idempotency-Key",
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$"
    )]
    idempotency_key: Option<String>,
}

/// The request's `Idempotency-Key`, if any; `400` unless it is visible ASCII.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    headers
        .get(IDEMPOTENCY_KEY)
        .map(|value| {
            value.to_str().map_err(|_| {
                ApiError::BadRequest(
                    "Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned(),
                )
            })
        })
        .transpose()
}

/// The service's answer, a JSON document, as it is.
fn json_answer(body: String) -> Response {
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

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
        (status = 403, response = Forbidden),
        (status = 409, description = "A request with the same `Idempotency-Key` is still in progress: retry", body = ErrorBody),
        (status = 422, description = "A field breaks a rule, names something the organization does not have, or the `Idempotency-Key` was used with another body", body = ErrorBody),
    )
)]
pub async fn outbound(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    JsonBytes(bytes): JsonBytes,
) -> ApiResult<Response> {
    let answer =
        dial::outbound(&state.services, &caller, &bytes, idempotency_key(&headers)?).await?;
    Ok(json_answer(answer))
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
        (status = 403, response = Forbidden),
        (status = 409, description = "A request with the same `Idempotency-Key` is still in progress: retry", body = ErrorBody),
        (status = 422, description = "Not an array of 1 to 10,000 items, bad items (each named by its index), or the `Idempotency-Key` was used with another body", body = ErrorBody),
    )
)]
pub async fn batched(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    JsonBytes(bytes): JsonBytes,
) -> ApiResult<Response> {
    let answer =
        dial::batched(&state.services, &caller, &bytes, idempotency_key(&headers)?).await?;
    Ok(json_answer(answer))
}

/// Schedules a campaign.
///
/// Each row is due at its own local date and time, or staggered from now; retry rules are
/// kept for the engine, which redials matching calls as new calls whose `parent_call_id` is
/// the call retried. Every row is checked before any call is created; a `422` names every
/// bad row (`calls[2].scheduled_time`). Representatives and Owners.
#[utoipa::path(
    post,
    path = "/dial/scheduled",
    tag = "Dial",
    params(IdempotencyKeyHeader),
    request_body = CampaignIn,
    responses(
        (status = 200, description = "The campaign and its calls", body = CampaignOut),
        (status = 400, description = "The body is not valid JSON, or the `Idempotency-Key` is malformed", body = ErrorBody),
        (status = 403, response = Forbidden),
        (status = 409, description = "A request with the same `Idempotency-Key` is still in progress: retry", body = ErrorBody),
        (status = 422, description = "A field or row breaks a rule, or the `Idempotency-Key` was used with another body", body = ErrorBody),
    )
)]
pub async fn campaign(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    JsonBytes(bytes): JsonBytes,
) -> ApiResult<Response> {
    let answer =
        dial::campaign(&state.services, &caller, &bytes, idempotency_key(&headers)?).await?;
    Ok(json_answer(answer))
}
