//! What reviewers add to a call: "viewed by" marks and emoji ratings. Viewers may do both.

use super::actions::call_error;
use crate::api::validate;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, OptionalJson, PathId};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchyard_core::call::{Call, Rating};
use switchyard_core::enums::{Emoji, RatingOperation};
use switchyard_core::time::Timestamp;

#[derive(Default, Deserialize)]
pub struct ViewedIn {
    email: Option<String>,
}

#[derive(Deserialize)]
pub struct RatingIn {
    emoji: Emoji,
    /// Defaults to the key's member.
    email: Option<String>,
    operation: RatingOperation,
    created: Option<Timestamp>,
}

/// Idempotent; the body (and its `email`) is optional and defaults to the key's member.
pub async fn mark_viewed(
    State(state): State<AppState>,
    caller: Caller,
    PathId(call_id): PathId,
    OptionalJson(body): OptionalJson<ViewedIn>,
) -> ApiResult<Json<Call>> {
    let email = reviewer_email(&caller, body.email.as_deref())?;
    let call = state
        .store
        .mark_viewed(caller.organization_id, call_id, &email, state.clock.now())
        .await
        .map_err(call_error)?;
    Ok(Json(call))
}

/// `add` twice keeps one rating; `remove` of a missing rating changes nothing.
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    PathId(call_id): PathId,
    ApiJson(body): ApiJson<RatingIn>,
) -> ApiResult<Json<Call>> {
    let email = reviewer_email(&caller, body.email.as_deref())?;
    let org = caller.organization_id;
    let call = match body.operation {
        RatingOperation::Add => {
            let rating = Rating {
                emoji: body.emoji,
                email,
                created: body.created.unwrap_or_else(|| state.clock.now()),
            };
            state.store.add_rating(org, call_id, &rating).await
        }
        RatingOperation::Remove => {
            state
                .store
                .remove_rating(org, call_id, body.emoji, &email)
                .await
        }
    };
    Ok(Json(call.map_err(call_error)?))
}

fn reviewer_email(caller: &Caller, given: Option<&str>) -> Result<String, ApiError> {
    match given {
        Some(raw) => validate::email("email", raw).map_err(|e| ApiError::invalid(vec![e])),
        None => Ok(caller.email.clone()),
    }
}
