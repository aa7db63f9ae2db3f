//! "Viewed by" marks and emoji ratings (the rules are the service's, `calls::review`).

use super::body::CallBody;
use crate::api::auth::Authenticated;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, OptionalJson, PathId};
use crate::state::AppState;
use axum::extract::State;
use serde::Deserialize;
use switchyard_core::CallId;
use switchyard_core::call::Call;
use switchyard_core::enums::{Emoji, RatingOperation};
use switchyard_core::id::kind;
use switchyard_service::calls::review::{self, RatingChange};

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
        (status = 403, description = "`email` is another member's and the key is not an Owner's", body = ErrorBody),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 422, description = "`email` is not an email address, or not a member's", body = ErrorBody),
    )
)]
pub async fn mark_viewed(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(call_id): PathId<kind::Call>,
    OptionalJson(body): OptionalJson<ViewedIn>,
) -> ApiResult<CallBody> {
    let call = review::view(&state.services, &caller, call_id, body.email.as_deref()).await?;
    Ok(CallBody(call))
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
        (status = 403, description = "`email` is another member's and the key is not an Owner's", body = ErrorBody),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 422, description = "A bad `emoji` or `operation`, or an `email` that is not a member's", body = ErrorBody),
    )
)]
pub async fn rate(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(call_id): PathId<kind::Call>,
    ApiJson(body): ApiJson<RatingIn>,
) -> ApiResult<CallBody> {
    let change = RatingChange {
        emoji: body.emoji,
        operation: body.operation,
        email: body.email,
    };
    let call = review::change_rating(&state.services, &caller, call_id, change).await?;
    Ok(CallBody(call))
}
