//! Calls endpoints: listing, one call, what reviewers add, stop and cancel, and what the
//! engine produced. Each route is declared once, by its handler's `#[utoipa::path]`.

mod actions;
mod body;
mod list;
mod notes;
mod outputs;
mod review;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list::list_calls))
        .routes(routes!(list::current_page))
        .routes(routes!(list::tags))
        .routes(routes!(actions::get_call, actions::delete_call))
        .routes(routes!(outputs::transcript))
        .routes(routes!(outputs::recording))
        .routes(routes!(outputs::logs))
        .routes(routes!(actions::stop))
        .routes(routes!(actions::cancel))
        .routes(routes!(notes::add_note))
        .routes(routes!(notes::update_note, notes::delete_note))
        .routes(routes!(review::mark_viewed))
        .routes(routes!(review::rate))
}
