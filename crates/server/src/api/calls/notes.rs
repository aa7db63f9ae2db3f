use super::actions::call_error;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{ApiJson, PathId, PathIds};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchyard_core::Id;
use switchyard_core::call::{Call, Note, NotePatch};
use switchyard_core::enums::Role;
use switchyard_core::store::StoreError;

const MAX_NOTE_CHARS: usize = 10_000;

/// Client-sent `id`, `user_id` and `created_at` are ignored (unknown fields are dropped).
#[derive(Deserialize)]
pub struct NoteIn {
    content: String,
    #[serde(default)]
    flagged: bool,
}

#[derive(Deserialize)]
pub struct NotePatchIn {
    content: Option<String>,
    flagged: Option<bool>,
}

pub async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    PathId(call_id): PathId,
    ApiJson(body): ApiJson<NoteIn>,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Representative)?;
    let now = state.clock.now();
    let note = Note {
        id: Id::new(now),
        user_id: caller.email.clone(),
        content: note_content(body.content)?,
        flagged: body.flagged,
        created_at: now,
        updated_at: None,
    };
    let call = state
        .store
        .add_note(caller.organization_id, call_id, &note)
        .await
        .map_err(call_error)?;
    Ok(Json(call))
}

pub async fn update_note(
    State(state): State<AppState>,
    caller: Caller,
    PathIds(call_id, note_id): PathIds,
    ApiJson(body): ApiJson<NotePatchIn>,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Representative)?;
    let patch = NotePatch {
        content: body.content.map(note_content).transpose()?,
        flagged: body.flagged,
    };
    let call = state
        .store
        .update_note(
            caller.organization_id,
            call_id,
            note_id,
            &patch,
            state.clock.now(),
        )
        .await
        .map_err(note_error)?;
    Ok(Json(call))
}

/// Returns the call without the note; a second delete of the same note is a 404.
pub async fn delete_note(
    State(state): State<AppState>,
    caller: Caller,
    PathIds(call_id, note_id): PathIds,
) -> ApiResult<Json<Call>> {
    caller.require(Role::Representative)?;
    let call = state
        .store
        .delete_note(caller.organization_id, call_id, note_id)
        .await
        .map_err(note_error)?;
    Ok(Json(call))
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

fn note_error(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::not_found("call or note"),
        other => other.into(),
    }
}
