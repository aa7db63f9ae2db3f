use super::actions::call_error;
use super::body::CallBody;
use crate::api::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::extract::{ApiJson, PathId, PathIds};
use axum::extract::State;
use serde::Deserialize;
use switchyard_core::call::{Call, Note, NoteAuthor, NotePatch};
use switchyard_core::call_json::CallJson;
use switchyard_core::enums::Role;
use switchyard_core::id::kind;
use switchyard_core::store::StoreError;
use switchyard_core::{CallId, Id, NoteId};

const MAX_NOTE_CHARS: usize = 10_000;

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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "`content` is missing, blank or too long", body = ErrorBody),
    )
)]
pub async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    PathId(call_id): PathId<kind::Call>,
    ApiJson(body): ApiJson<NoteIn>,
) -> ApiResult<CallBody> {
    Ok(CallBody(
        add(&state, &caller, call_id, body.content, body.flagged).await?,
    ))
}

/// Adds a note written by the caller (the API and the review app).
pub(crate) async fn add(
    state: &AppState,
    caller: &Caller,
    call_id: CallId,
    content: String,
    flagged: bool,
) -> ApiResult<CallJson> {
    caller.require(Role::Representative)?;
    let now = state.clock.now();
    let note = Note {
        id: Id::new(now),
        user_id: caller.email.clone(),
        content: note_content(content)?,
        flagged,
        created_at: now,
        updated_at: None,
    };
    state
        .store
        .add_note(caller.organization_id, call_id, &note)
        .await
        .map_err(call_error)
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, description = "The key's role is below Representative, or the note is another member's", body = ErrorBody),
        (status = 404, description = "No such call in your organization, or no such note on it", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "`content` is blank or too long", body = ErrorBody),
    )
)]
pub async fn update_note(
    State(state): State<AppState>,
    caller: Caller,
    PathIds(call_id, note_id): PathIds<kind::Call, kind::Note>,
    ApiJson(body): ApiJson<NotePatchIn>,
) -> ApiResult<CallBody> {
    Ok(CallBody(
        update(
            &state,
            &caller,
            call_id,
            note_id,
            body.content,
            body.flagged,
        )
        .await?,
    ))
}

/// Edits a note (the API and the review app); absent values are left as they are. Only
/// its author may.
pub(crate) async fn update(
    state: &AppState,
    caller: &Caller,
    call_id: CallId,
    note_id: NoteId,
    content: Option<String>,
    flagged: Option<bool>,
) -> ApiResult<CallJson> {
    caller.require(Role::Representative)?;
    let patch = NotePatch {
        content: content.map(note_content).transpose()?,
        flagged,
    };
    let author = NoteAuthor::Only(caller.email.clone());
    let updated = state
        .store
        .update_note(
            caller.organization_id,
            call_id,
            note_id,
            &author,
            &patch,
            state.clock.now(),
        )
        .await;
    match updated {
        Err(StoreError::NotFound(_)) => {
            Err(not_changed(state, caller, call_id, note_id, "edit").await)
        }
        other => other.map_err(ApiError::from),
    }
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, description = "The key's role is below Representative, or the note is another member's and the key is not an Owner's", body = ErrorBody),
        (status = 404, description = "No such call in your organization, or no such note on it", body = ErrorBody),
    )
)]
pub async fn delete_note(
    State(state): State<AppState>,
    caller: Caller,
    PathIds(call_id, note_id): PathIds<kind::Call, kind::Note>,
) -> ApiResult<CallBody> {
    Ok(CallBody(delete(&state, &caller, call_id, note_id).await?))
}

/// Deletes a note (the API and the review app): its author or an Owner may.
pub(crate) async fn delete(
    state: &AppState,
    caller: &Caller,
    call_id: CallId,
    note_id: NoteId,
) -> ApiResult<CallJson> {
    caller.require(Role::Representative)?;
    let author = if caller.role >= Role::Owner {
        NoteAuthor::Anyone
    } else {
        NoteAuthor::Only(caller.email.clone())
    };
    let deleted = state
        .store
        .delete_note(caller.organization_id, call_id, note_id, &author)
        .await;
    match deleted {
        Err(StoreError::NotFound(_)) => {
            Err(not_changed(state, caller, call_id, note_id, "delete").await)
        }
        other => other.map_err(ApiError::from),
    }
}

/// Why a change to a note changed nothing: the note is someone else's (`403`), or the call
/// or the note is unknown in the caller's organization (`404`). Looked up only after the
/// change failed, which is rare, so that the change itself stays one write.
async fn not_changed(
    state: &AppState,
    caller: &Caller,
    call_id: CallId,
    note_id: NoteId,
    action: &str,
) -> ApiError {
    let call = match state.store.get_call(caller.organization_id, call_id).await {
        Ok(call) => call,
        Err(StoreError::NotFound(_)) => return ApiError::not_found("call or note"),
        Err(other) => return other.into(),
    };
    match call.notes.iter().find(|note| note.id == note_id) {
        Some(note) => {
            let who = if action == "edit" {
                "only its author"
            } else {
                "only its author or an Owner"
            };
            ApiError::Forbidden(format!(
                "this note was written by {}: {who} may {action} it",
                note.user_id
            ))
        }
        None => ApiError::not_found("call or note"),
    }
}

fn note_content(content: String) -> Result<String, ApiError> {
    let chars = content.chars().count();
    if content.trim().is_empty() || chars > MAX_NOTE_CHARS {
        return Err(ApiError::invalid(vec![FieldError::new(
            "content",
            format!(
                "a note must have 1 to {MAX_NOTE_CHARS} characters and not be blank (got {chars})"
            ),
        )]));
    }
    Ok(content)
}
