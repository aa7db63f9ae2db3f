//! What reviewers add to a call: "viewed by" marks and emoji ratings. Viewers may do both,
//! for themselves; only an Owner may mark or rate for another member of the organization.
//! A rating's time is the server's.

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
use switchyard_core::CallId;
use switchyard_core::call::{Call, Rating};
use switchyard_core::call_json::CallJson;
use switchyard_core::enums::Role;
use switchyard_core::enums::{Emoji, RatingOperation};
use switchyard_core::id::kind;

/// Who viewed the call; the body may be left out.
#[derive(Default, Deserialize, utoipa::ToSchema)]
pub struct ViewedIn {
    /// Default: the key's member. Another member's email needs an Owner's key.
    #[schema(format = Email)]
    email: Option<String>,
}

/// A rating added or removed. A `created` key, which v1 clients may send, is ignored like
/// any unknown key: a rating is recorded at the server's time.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RatingIn {
    emoji: Emoji,
    /// Default: the key's member. Another member's email needs an Owner's key.
    #[schema(format = Email)]
    email: Option<String>,
    operation: RatingOperation,
}

/// Marks a call viewed.
///
/// Records the body's `email`, else the key's member, once: repeating it changes nothing.
/// The body may be left out. Viewers too; an `email` other than the key's own needs an
/// Owner's key (`403`) and must be a member's (`422`).
#[utoipa::path(
    patch,
    path = "/calls/{id}/viewed",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    request_body(content = Option<ViewedIn>, description = "Optional"),
    responses(
        (status = 200, description = "The call", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, description = "`email` is another member's and the key is not an Owner's", body = ErrorBody),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "`email` is not an email address, or not a member's", body = ErrorBody),
    )
)]
pub async fn mark_viewed(
    State(state): State<AppState>,
    caller: Caller,
    PathId(call_id): PathId<kind::Call>,
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
    call_id: CallId,
    email: Option<&str>,
) -> ApiResult<CallJson> {
    let email = reviewer_email(state, caller, call_id, email).await?;
    state
        .store
        .mark_viewed(caller.organization_id, call_id, &email, state.clock.now())
        .await
        .map_err(call_error)
}

/// Adds or removes an emoji rating.
///
/// One of each emoji per member: `add` twice keeps one rating, `remove` of a missing rating
/// changes nothing. Viewers too; an `email` other than the key's own needs an Owner's key
/// (`403`) and must be a member's (`422`). `created` is ignored: the server's time is
/// recorded.
#[utoipa::path(
    patch,
    path = "/calls/{id}/ratings",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    request_body = RatingIn,
    responses(
        (status = 200, description = "The call", body = Call),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, description = "`email` is another member's and the key is not an Owner's", body = ErrorBody),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A bad `emoji` or `operation`, or an `email` that is not a member's", body = ErrorBody),
    )
)]
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    PathId(call_id): PathId<kind::Call>,
    ApiJson(body): ApiJson<RatingIn>,
) -> ApiResult<CallBody> {
    let rating = RatingChange {
        emoji: body.emoji,
        operation: body.operation,
        email: body.email,
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
}

/// Adds or removes a rating (the API and the review app's toggles).
pub(crate) async fn change_rating(
    state: &AppState,
    caller: &Caller,
    call_id: CallId,
    change: RatingChange,
) -> ApiResult<CallJson> {
    let email = reviewer_email(state, caller, call_id, change.email.as_deref()).await?;
    let org = caller.organization_id;
    let call = match change.operation {
        RatingOperation::Add => {
            let rating = Rating {
                emoji: change.emoji,
                email,
                created: state.clock.now(),
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

/// Whom a view or rating is for: the caller, unless an Owner names another member. Another
/// organization's call is a `404` before the email is looked at.
async fn reviewer_email(
    state: &AppState,
    caller: &Caller,
    call_id: CallId,
    given: Option<&str>,
) -> Result<String, ApiError> {
    let Some(raw) = given else {
        return Ok(caller.email.clone());
    };
    let email = validate::email("email", raw).map_err(|e| ApiError::invalid(vec![e]))?;
    if email == caller.email {
        return Ok(email);
    }
    state
        .store
        .get_call_json(caller.organization_id, call_id)
        .await
        .map_err(call_error)?;
    caller.require(Role::Owner).map_err(|_| {
        ApiError::Forbidden(format!(
            "only an Owner may act for another member: leave out `email`, or give your own ({})",
            caller.email
        ))
    })?;
    let members = state.store.list_members(caller.organization_id).await?;
    if members.iter().any(|member| member.email == email) {
        Ok(email)
    } else {
        Err(ApiError::invalid_field(
            "email",
            format!("`{email}` is not a member of your organization"),
        ))
    }
}
