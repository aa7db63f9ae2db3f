//! Notes on a call. Representatives and Owners write them; only a note's author edits it,
//! and its author or an Owner deletes it.

use crate::auth::Caller;
use crate::{FieldError, ServiceError, ServiceResult, Services};
use switchyard_core::call::{Note, NoteAuthor, NotePatch};
use switchyard_core::call_json::CallJson;
use switchyard_core::enums::Role;
use switchyard_core::store::StoreError;
use switchyard_core::{CallId, Entity, NoteId};

pub const MAX_NOTE_CHARS: usize = 10_000;

/// Adds a note written by the caller; answers the call with it.
pub async fn add(
    services: &Services,
    caller: &Caller,
    call_id: CallId,
    content: String,
    flagged: bool,
) -> ServiceResult<CallJson> {
    caller.require(Role::Representative)?;
    let now = services.clock.now_for(caller.organization_id);
    let note = Note {
        id: NoteId::new(now),
        user_id: caller.email.clone(),
        content: note_content(content)?,
        flagged,
        created_at: now,
        updated_at: None,
    };
    Ok(services
        .store
        .add_note(caller.organization_id, call_id, &note)
        .await?)
}

/// Edits a note; absent values are left as they are. Only its author may.
pub async fn update(
    services: &Services,
    caller: &Caller,
    call_id: CallId,
    note_id: NoteId,
    content: Option<String>,
    flagged: Option<bool>,
) -> ServiceResult<CallJson> {
    caller.require(Role::Representative)?;
    let patch = NotePatch {
        content: content.map(note_content).transpose()?,
        flagged,
    };
    let author = NoteAuthor::Only(caller.email.clone());
    let updated = services
        .store
        .update_note(
            caller.organization_id,
            call_id,
            note_id,
            &author,
            &patch,
            services.clock.now_for(caller.organization_id),
        )
        .await;
    match updated {
        Err(StoreError::NotFound(Entity::Note)) => {
            Err(not_changed(services, caller, call_id, note_id, Change::Edit).await)
        }
        other => Ok(other?),
    }
}

/// Deletes a note: its author or an Owner may.
pub async fn delete(
    services: &Services,
    caller: &Caller,
    call_id: CallId,
    note_id: NoteId,
) -> ServiceResult<CallJson> {
    caller.require(Role::Representative)?;
    let author = if caller.role >= Role::Owner {
        NoteAuthor::Anyone
    } else {
        NoteAuthor::Only(caller.email.clone())
    };
    let deleted = services
        .store
        .delete_note(caller.organization_id, call_id, note_id, &author)
        .await;
    match deleted {
        Err(StoreError::NotFound(Entity::Note)) => {
            Err(not_changed(services, caller, call_id, note_id, Change::Delete).await)
        }
        other => Ok(other?),
    }
}

enum Change {
    Edit,
    Delete,
}

/// Why a change to a note changed nothing: the note is someone else's (`Forbidden`), or
/// it is not on the call (`NotFound`). Looked up only after the change failed, which is
/// rare, so that the change itself stays one write.
async fn not_changed(
    services: &Services,
    caller: &Caller,
    call_id: CallId,
    note_id: NoteId,
    change: Change,
) -> ServiceError {
    let call = match services
        .store
        .get_call(caller.organization_id, call_id)
        .await
    {
        Ok(call) => call,
        Err(error) => return error.into(),
    };
    let Some(note) = call.notes.iter().find(|note| note.id == note_id) else {
        return ServiceError::not_found("note");
    };
    let (who, action) = match change {
        Change::Edit => ("only its author", "edit"),
        Change::Delete => ("only its author or an Owner", "delete"),
    };
    ServiceError::Forbidden(format!(
        "this note was written by {}: {who} may {action} it",
        note.user_id
    ))
}

fn note_content(content: String) -> Result<String, ServiceError> {
    let chars = content.chars().count();
    if content.trim().is_empty() || chars > MAX_NOTE_CHARS {
        return Err(ServiceError::invalid(vec![FieldError::new(
            "content",
            format!(
                "a note must have 1 to {MAX_NOTE_CHARS} characters and not be blank (got {chars})"
            ),
        )]));
    }
    Ok(content)
}
