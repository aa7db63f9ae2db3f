//! Calls endpoints (contract §4, all but usage and export).

pub(crate) mod actions;
mod body;
mod cursor;
pub(crate) mod list;
pub(crate) mod notes;
pub(crate) mod outputs;
pub(crate) mod query;
pub(crate) mod review;

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, patch, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calls", get(list::list_calls))
        .route("/calls/current-page", get(list::current_page))
        .route("/calls/tags", get(list::tags))
        .route(
            "/calls/{id}",
            get(actions::get_call).delete(actions::delete_call),
        )
        .route("/calls/{id}/transcript", get(outputs::transcript))
        .route("/calls/{id}/recording", get(outputs::recording))
        .route("/calls/{id}/logs", get(outputs::logs))
        .route("/calls/{id}/stop", post(actions::stop))
        .route("/calls/{id}/cancel", post(actions::cancel))
        .route("/calls/{id}/notes", post(notes::add_note))
        .route(
            "/calls/{id}/notes/{note_id}",
            patch(notes::update_note).delete(notes::delete_note),
        )
        .route("/calls/{id}/viewed", patch(review::mark_viewed))
        .route("/calls/{id}/ratings", patch(review::rate))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list::list_calls,
        list::current_page,
        list::tags,
        actions::get_call,
        actions::delete_call,
        outputs::transcript,
        outputs::recording,
        outputs::logs,
        actions::stop,
        actions::cancel,
        notes::add_note,
        notes::update_note,
        notes::delete_note,
        review::mark_viewed,
        review::rate,
    ),
    components(schemas(switchyard_core::enums::SortOrder))
)]
pub struct Doc;
