//! What reviewers add to a call: "viewed by" marks and emoji ratings. Viewers may do both.

use super::actions::call_error;
use super::body::CallBody;
use crate::api::openapi::{BadRequest, PayloadTooLarge, Unauthorized, UnsupportedMediaType};
use crate::api::validate;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, OptionalJson, PathId};
use axum::extract::State;
use serde::Deserialize;
use switchyard_core::Id;
use switchyard_core::call::{Call, Rating};
use switchyard_core::call_json::CallJson;
use switchyard_core::enums::{Emoji, RatingOperation};
use switchyard_core::time::Timestamp;

/// Who viewed the call; the body may be left out.
#[derive(Default, Deserialize, utoipa::ToSchema)]
pub struct ViewedIn {
    /// Default: the key's member.
    #[schema(format = Email)]
    email: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RatingIn {
    emoji: Emoji,
    /// Default: the key's member.
    #[schema(format = Email)]
    email: Option<String>,
    operation: RatingOperation,
    /// When the rating was given (default: now).
    created: Option<Timestamp>,
}

/// Marks a call viewed.
///
/// Records the body's `email`, else the key's member, once: repeating it changes nothing.
/// The body may be left out. Viewers too.
#[utoipa::path(
    patch,
    path = "/calls/{id}/viewed",
    tag = "Calls",
    params(("id" = Id, Path, description = "The call's id")),
    request_body(content = Option<ViewedIn>, description = "Optional"),
    responses(
        (status = 200, description = "The call", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "`email` is not an email address", body = ErrorBody),
    )
)]
pub async fn mark_viewed(
    State(state): State<AppState>,
    caller: Caller,
    PathId(call_id): PathId,
    OptionalJson(body): OptionalJson<ViewedIn>,
) -> ApiResult<CallBody> {
    Ok(CallBody(
        view(&state, &caller, call_id, body.email.as_deref()).await?,
    ))
}

/// Records `email` (default: the caller) in `viewed_by` (the API, and the review app on
/// opening a call).
pub(crate) async fn view(
    state: &AppState,
    caller: &Caller,
    call_id: Id,
    email: Option<&str>,
) -> ApiResult<CallJson> {
    let email = reviewer_email(caller, email)?;
    state
        .store
        .mark_viewed(caller.organization_id, call_id, &email, state.clock.now())
        .await
        .map_err(call_error)
}

/// Adds or removes an emoji rating.
///
/// One of each emoji per member: `add` twice keeps one rating, `remove` of a missing rating
/// changes nothing. Viewers too.
#[utoipa::path(
    patch,
    path = "/calls/{id}/ratings",
    tag = "Calls",
    params(("id" = Id, Path, description = "The call's id")),
    request_body = RatingIn,
    responses(
        (status = 200, description = "The call", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A bad `emoji`, `operation`, `email` or `created`", body = ErrorBody),
    )
)]
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    PathId(call_id): PathId,
    ApiJson(body): ApiJson<RatingIn>,
) -> ApiResult<CallBody> {
    let rating = RatingChange {
        emoji: body.emoji,
        operation: body.operation,
        email: body.email,
        created: body.created,
    };
    Ok(CallBody(
        change_rating(&state, &caller, call_id, rating).await?,
    ))
}

/// One rating added or removed.
pub(crate) struct RatingChange {
    pub emoji: Emoji,
    pub operation: RatingOperation,
    /// Default: the caller.
    pub email: Option<String>,
    /// Default: now.
    pub created: Option<Timestamp>,
}

/// Adds or removes a rating (the API and the review app's toggles).
pub(crate) async fn change_rating(
    state: &AppState,
    caller: &Caller,
    call_id: Id,
    change: RatingChange,
) -> ApiResult<CallJson> {
    let email = reviewer_email(caller, change.email.as_deref())?;
    let org = caller.organization_id;
    let call = match change.operation {
        RatingOperation::Add => {
            let rating = Rating {
                emoji: change.emoji,
                email,
                created: change.created.unwrap_or_else(|| state.clock.now()),
            };
            state.store.add_rating(org, call_id, &rating).await
        }
        RatingOperation::Remove => {
            state
                .store
                .remove_rating(org, call_id, change.emoji, &email)
                .await
        }
    };
    call.map_err(call_error)
}

fn reviewer_email(caller: &Caller, given: Option<&str>) -> Result<String, ApiError> {
    match given {
        Some(raw) => validate::email("email", raw).map_err(|e| ApiError::invalid(vec![e])),
        None => Ok(caller.email.clone()),
    }
}
