//! `GET /recordings/{org}/{call}.wav?expires=...&signature=...`: the recording behind a
//! link made by `GET /api/v1/calls/{id}/recording`. No API key: the signature is the
//! credential, so a tampered or expired link is `403` and says no more.

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;
use switchyard_core::Id;
use switchyard_engine::recording_key;

pub fn routes() -> Router<AppState> {
    Router::new().route("/recordings/{org}/{file}", get(recording))
}

#[derive(Deserialize)]
struct Signed {
    /// Read as text: a mangled link is a `403` like any other bad link, not a `400`.
    expires: Option<String>,
    signature: Option<String>,
}

async fn recording(
    State(state): State<AppState>,
    Path((org, file)): Path<(String, String)>,
    Query(signed): Query<Signed>,
) -> ApiResult<impl IntoResponse> {
    let forbidden = || {
        ApiError::Forbidden(
            "this recording link is invalid or has expired: ask the API for a new one".to_owned(),
        )
    };
    let org: Id = org.parse().map_err(|_| forbidden())?;
    let call: Id = file
        .strip_suffix(".wav")
        .and_then(|id| id.parse().ok())
        .ok_or_else(forbidden)?;
    let expires = signed.expires.and_then(|e| e.parse::<i64>().ok());
    let (Some(expires), Some(signature)) = (expires, signed.signature) else {
        return Err(forbidden());
    };
    if !state
        .recording_links
        .verify(org, call, expires, &signature, state.clock.now())
    {
        return Err(forbidden());
    }
    let wav = state
        .blobs
        .get(&recording_key(org, call))
        .await
        .map_err(ApiError::internal)?;
    let wav = wav.ok_or_else(|| {
        ApiError::NotFound("the recording no longer exists (the call was deleted)".to_owned())
    })?;
    Ok((
        [
            (CONTENT_TYPE, "audio/wav"),
            (CACHE_CONTROL, "private, max-age=300"),
        ],
        wav,
    ))
}
