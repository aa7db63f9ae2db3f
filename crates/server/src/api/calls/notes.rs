//! Notes on a call: the handlers of `POST /calls/{id}/notes` and `PATCH`/`DELETE
//! /calls/{id}/notes/{note_id}` (the rules are the service's, `calls::notes`).

use super::body::CallBody;
use crate::api::auth::Authenticated;
use crate::api::openapi::Forbidden;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, PathId, PathIds};
use crate::state::AppState;
use axum::extract::State;
use serde::Deserialize;
use switchyard_core::call::Call;
use switchyard_core::id::kind;
use switchyard_core::{CallId, NoteId};
use switchyard_service::calls::notes;

/// A new note. Client-sent `id`, `user_id` and `created_at` are ignored (unknown fields are
/// dropped): the author is the key's member.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NoteIn {
    /// 1 to 10,000 characters, not blank.
    #[schema(min_length = 1, max_length = 10000)]
    content: String,
    /// Default `false`.
    #[serde(default)]
    flagged: bool,
}

/// A change to a note: absent or `null` keys leave it as it is.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NotePatchIn {
    /// 1 to 10,000 characters, not blank.
    #[schema(min_length = 1, max_length = 10000)]
    content: Option<String>,
    flagged: Option<bool>,
}

/// Adds a note to a call.
///
/// Representatives and Owners.
#[utoipa::path(
    post,
    path = "/calls/{id}/notes",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    request_body = NoteIn,
    responses(
        (status = 200, description = "The call with its new note", body = Call),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 422, description = "`content` is missing, blank or too long", body = ErrorBody),
    )
)]
pub async fn add_note(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(call_id): PathId<kind::Call>,
    ApiJson(body): ApiJson<NoteIn>,
) -> ApiResult<CallBody> {
    let call = notes::add(
        &state.services,
        &caller,
        call_id,
        body.content,
        body.flagged,
    )
    .await?;
    Ok(CallBody(call))
}

/// Edits a note; sets its `updated_at`.
///
/// Only the note's author (a Representative or an Owner) may edit it: anyone else gets a
/// `403`.
#[utoipa::path(
    patch,
    path = "/calls/{id}/notes/{note_id}",
    tag = "Calls",
    params(
        ("id" = CallId, Path, description = "The call's id"),
        ("note_id" = NoteId, Path, description = "The note's id"),
    ),
    request_body = NotePatchIn,
    responses(
        (status = 200, description = "The call with the edited note", body = Call),
        (status = 403, description = "The key's role is below Representative, or the note is another member's", body = ErrorBody),
        (status = 404, description = "No such call in your organization, or no such note on it", body = ErrorBody),
        (status = 422, description = "`content` is blank or too long", body = ErrorBody),
    )
)]
pub async fn update_note(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(call_id, note_id): PathIds<kind::Call, kind::Note>,
    ApiJson(body): ApiJson<NotePatchIn>,
) -> ApiResult<CallBody> {
    let call = notes::update(
        &state.services,
        &caller,
        call_id,
        note_id,
        body.content,
        body.flagged,
    )
    .await?;
    Ok(CallBody(call))
}

/// Deletes a note.
///
/// Answers the call without the note; a second delete of the same note is a `404`.
/// Its author (a Representative or an Owner) or any Owner may delete it: another
/// Representative gets a `403`.
#[utoipa::path(
    delete,
    path = "/calls/{id}/notes/{note_id}",
    tag = "Calls",
    params(
        ("id" = CallId, Path, description = "The call's id"),
        ("note_id" = NoteId, Path, description = "The note's id"),
    ),
    responses(
        (status = 200, description = "The call without the note", body = Call),
        (status = 403, description = "The key's role is below Representative, or the note is another member's and the key is not an Owner's", body = ErrorBody),
        (status = 404, description = "No such call in your organization, or no such note on it", body = ErrorBody),
    )
)]
pub async fn delete_note(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(call_id, note_id): PathIds<kind::Call, kind::Note>,
) -> ApiResult<CallBody> {
    let call = notes::delete(&state.services, &caller, call_id, note_id).await?;
    Ok(CallBody(call))
}
