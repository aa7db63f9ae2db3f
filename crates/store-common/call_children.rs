// Notes, ratings and views of a call: the review writes. Each is described as data
// (`ReviewWrite`) and written as SQL through a `SqlSink`, so that each backend runs the same
// statements its own way: PostgreSQL in a transaction per write
// (crates/store-postgres/src/review_writes.rs), SQLite several writes to one commit
// (crates/store-sqlite/src/group_commit.rs). Either way a write runs as:
//   1. `push_lock_call`: the org-scoped existence check, which also locks the call's row so
//      that concurrent writers to one call take turns computing `seq`, the per-call
//      insertion order. A read with FOR UPDATE, not a no-op update: on SQLite an update
//      would rewrite the whole row, `doc` and all, into the WAL every time;
//   2. `push_change`: the write itself; `NotFound` if it must change a row and changed none;
//   3. the call read back as it now is, in the same transaction.

use crate::call_filters::SqlSink;
use switchyard_core::call::{Note, NoteAuthor, NotePatch, Rating};
use switchyard_core::enums::Emoji;
use switchyard_core::Timestamp;
use switchyard_core::call_json::CallJson;
use switchyard_core::id::{CallId, NoteId, OrgId};
use switchyard_core::store::{ReviewStore, StoreResult};
use crate::{Backend, ThisStore};

/// A change to a call's review data.
#[derive(Clone, Debug)]
pub(crate) enum ReviewWrite {
    AddNote(Note),
    UpdateNote {
        note: NoteId,
        author: NoteAuthor,
        patch: NotePatch,
        now: Timestamp,
    },
    DeleteNote {
        note: NoteId,
        author: NoteAuthor,
    },
    MarkViewed {
        email: String,
        now: Timestamp,
    },
    AddRating(Rating),
    RemoveRating {
        emoji: Emoji,
        email: String,
    },
}

impl ReviewWrite {
    /// Whether the write names a row that must exist (a note): `NotFound` if it changed none.
    pub(crate) fn must_change_a_row(&self) -> bool {
        matches!(
            self,
            ReviewWrite::UpdateNote { .. } | ReviewWrite::DeleteNote { .. }
        )
    }
}

/// A row of the call if the organization has it; locks that row until the transaction ends.
pub(crate) fn push_lock_call(sql: &mut impl SqlSink, org: OrgId, call: CallId) {
    sql.push("SELECT 1 FROM calls WHERE id = ")
        .push_bind(call.to_string())
        .push(" AND organization_id = ")
        .push_bind(org.to_string())
        .push(<ThisStore as Backend>::FOR_UPDATE);
}

/// Narrows a note's change to its author's note, in the change's own statement.
fn push_author(sql: &mut impl SqlSink, author: &NoteAuthor) {
    if let NoteAuthor::Only(email) = author {
        sql.push(" AND user_id = ").push_bind(email.as_str());
    }
}

/// The statement that makes `write` to the (locked) call.
pub(crate) fn push_change(sql: &mut impl SqlSink, org: OrgId, call: CallId, write: &ReviewWrite) {
    let call = call.to_string();
    match write {
        ReviewWrite::AddNote(note) => {
            sql.push("INSERT INTO call_notes (id, call_id, organization_id, seq, user_id, content, flagged, created_at");
            if note.updated_at.is_some() {
                sql.push(", updated_at");
            }
            sql.push(") VALUES (").push_bind(note.id.to_string());
            sql.push(", ").push_bind(call.clone());
            sql.push(", ").push_bind(org.to_string());
            sql.push(", (SELECT COALESCE(MAX(seq), 0) + 1 FROM call_notes WHERE call_id = ")
                .push_bind(call)
                .push(")");
            sql.push(", ").push_bind(note.user_id.as_str());
            sql.push(", ").push_bind(note.content.as_str());
            sql.push(", ").push_bind(note.flagged);
            sql.push(", ").push_bind(note.created_at.millis());
            if let Some(updated) = note.updated_at {
                sql.push(", ").push_bind(updated.millis());
            }
            sql.push(")");
        }
        ReviewWrite::UpdateNote {
            note,
            author,
            patch,
            now,
        } => {
            sql.push("UPDATE call_notes SET updated_at = ")
                .push_bind(now.millis());
            if let Some(content) = &patch.content {
                sql.push(", content = ").push_bind(content.as_str());
            }
            if let Some(flagged) = patch.flagged {
                sql.push(", flagged = ").push_bind(flagged);
            }
            sql.push(" WHERE id = ").push_bind(note.to_string());
            sql.push(" AND call_id = ").push_bind(call);
            push_author(sql, author);
        }
        ReviewWrite::DeleteNote { note, author } => {
            sql.push("DELETE FROM call_notes WHERE id = ")
                .push_bind(note.to_string());
            sql.push(" AND call_id = ").push_bind(call);
            push_author(sql, author);
        }
        ReviewWrite::MarkViewed { email, now } => {
            sql.push("INSERT INTO call_views (call_id, organization_id, email, viewed_at, seq) VALUES (")
                .push_bind(call.clone());
            sql.push(", ").push_bind(org.to_string());
            sql.push(", ").push_bind(email.as_str());
            sql.push(", ").push_bind(now.millis());
            sql.push(", (SELECT COALESCE(MAX(seq), 0) + 1 FROM call_views WHERE call_id = ")
                .push_bind(call)
                .push(")) ON CONFLICT (call_id, email) DO NOTHING");
        }
        ReviewWrite::AddRating(rating) => {
            sql.push("INSERT INTO call_ratings (call_id, organization_id, emoji, email, created, seq) VALUES (")
                .push_bind(call.clone());
            sql.push(", ").push_bind(org.to_string());
            sql.push(", ").push_bind(rating.emoji.as_str());
            sql.push(", ").push_bind(rating.email.as_str());
            sql.push(", ").push_bind(rating.created.millis());
            sql.push(", (SELECT COALESCE(MAX(seq), 0) + 1 FROM call_ratings WHERE call_id = ")
                .push_bind(call)
                .push(")) ON CONFLICT (call_id, email, emoji) DO NOTHING");
        }
        ReviewWrite::RemoveRating { emoji, email } => {
            sql.push("DELETE FROM call_ratings WHERE call_id = ")
                .push_bind(call);
            sql.push(" AND email = ").push_bind(email.as_str());
            sql.push(" AND emoji = ").push_bind(emoji.as_str());
        }
    }
}

// Every review write goes through the backend's `review_write`: PostgreSQL runs each in a
// transaction of its own, SQLite several to one commit.
#[async_trait::async_trait]
impl ReviewStore for ThisStore {
    async fn add_note(&self, org: OrgId, call: CallId, note: &Note) -> StoreResult<CallJson> {
        self.review_write(org, call, ReviewWrite::AddNote(note.clone()))
            .await
    }

    async fn update_note(
        &self,
        org: OrgId,
        call: CallId,
        note: NoteId,
        author: &NoteAuthor,
        patch: &NotePatch,
        now: Timestamp,
    ) -> StoreResult<CallJson> {
        let write = ReviewWrite::UpdateNote {
            note,
            author: author.clone(),
            patch: patch.clone(),
            now,
        };
        self.review_write(org, call, write).await
    }

    async fn delete_note(
        &self,
        org: OrgId,
        call: CallId,
        note: NoteId,
        author: &NoteAuthor,
    ) -> StoreResult<CallJson> {
        let write = ReviewWrite::DeleteNote {
            note,
            author: author.clone(),
        };
        self.review_write(org, call, write).await
    }

    async fn mark_viewed(
        &self,
        org: OrgId,
        call: CallId,
        email: &str,
        now: Timestamp,
    ) -> StoreResult<CallJson> {
        let email = email.to_owned();
        self.review_write(org, call, ReviewWrite::MarkViewed { email, now })
            .await
    }

    async fn add_rating(&self, org: OrgId, call: CallId, rating: &Rating) -> StoreResult<CallJson> {
        self.review_write(org, call, ReviewWrite::AddRating(rating.clone()))
            .await
    }

    async fn remove_rating(
        &self,
        org: OrgId,
        call: CallId,
        emoji: Emoji,
        email: &str,
    ) -> StoreResult<CallJson> {
        let email = email.to_owned();
        self.review_write(org, call, ReviewWrite::RemoveRating { emoji, email })
            .await
    }
}
