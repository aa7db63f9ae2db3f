//! `Idempotency-Key` on the dial endpoints: the same key with the same body within 24 hours
//! returns the first response and dials nobody again; with another body it is a `422`.
//! "The same body" means the same bytes to the same endpoint. The record is written in the
//! same transaction as the calls, so a key can never stand for a half-made request.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use switchyard_core::auth::IdempotencyRecord;
use switchyard_core::call::Call;
use switchyard_core::campaign::Campaign;
use switchyard_core::store::StoreError;

pub const HEADER: &str = "idempotency-key";
const RETENTION_SECONDS: i64 = 24 * 3600;

/// The header as the OpenAPI document shows it on every dial endpoint (read by `check`).
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

pub struct IdempotencyKey {
    key: String,
    request_hash: String,
}

/// What to do with a request: answer it from the record, or carry it out.
pub enum Replay {
    Stored(Response),
    Proceed(Option<IdempotencyKey>),
}

pub async fn check(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    endpoint: &str,
    body: &[u8],
) -> ApiResult<Replay> {
    let Some(raw) = headers.get(HEADER) else {
        return Ok(Replay::Proceed(None));
    };
    let key = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned(),
            )
        })?
        .to_owned();
    let mut hasher = Sha256::new();
    hasher.update(endpoint.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    let request_hash = hex::encode(hasher.finalize());
    let org = caller.organization_id;
    if let Some(record) = state.store.find_idempotency(org, &key).await? {
        if record.created_at.plus_seconds(RETENTION_SECONDS) > state.clock.now() {
            return replay(&record, &request_hash).map(Replay::Stored);
        }
        state.store.delete_idempotency(org, &key).await?;
    }
    Ok(Replay::Proceed(Some(IdempotencyKey { key, request_hash })))
}

/// Stores the calls (and the key's record with the response, atomically) and answers.
pub async fn commit(
    state: &AppState,
    caller: &Caller,
    calls: &[Call],
    campaign: Option<&Campaign>,
    key: Option<IdempotencyKey>,
    body: String,
) -> ApiResult<Response> {
    let org = caller.organization_id;
    let record = key.map(|k| IdempotencyRecord {
        key: k.key,
        request_hash: k.request_hash,
        status: StatusCode::OK.as_u16(),
        body: body.clone(),
        created_at: state.clock.now(),
    });
    match state
        .store
        .insert_calls(org, calls, campaign, record.as_ref())
        .await
    {
        Ok(()) => {
            state.engine.wake();
            Ok(json_response(StatusCode::OK, body))
        }
        // Another request with the same key won the race: answer as it did.
        Err(StoreError::Duplicate(_)) if record.is_some() => {
            let ours = record
                .as_ref()
                .map(|r| r.request_hash.as_str())
                .unwrap_or_default();
            let key = record.as_ref().map(|r| r.key.as_str()).unwrap_or_default();
            match state.store.find_idempotency(org, key).await? {
                Some(stored) => replay(&stored, ours),
                None => Err(ApiError::Conflict(
                    "a request with this Idempotency-Key is in progress; retry".to_owned(),
                )),
            }
        }
        Err(other) => Err(other.into()),
    }
}

fn replay(record: &IdempotencyRecord, request_hash: &str) -> ApiResult<Response> {
    if record.request_hash != request_hash {
        return Err(ApiError::invalid_field(
            "Idempotency-Key",
            "this key was already used with a different request body; use a new key for a new request",
        ));
    }
    let status = StatusCode::from_u16(record.status).unwrap_or(StatusCode::OK);
    Ok(json_response(status, record.body.clone()))
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(CONTENT_TYPE, "application/json")], body).into_response()
}
