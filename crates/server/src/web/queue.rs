//! `/queue/next`: the review queue. Under the list's filters (same query string), the
//! oldest call the signed-in member has not viewed; opening it marks it viewed, so the
//! next visit moves on. When none is left: back to the list, which says so.

use super::error::WebError;
use super::filters::{Filters, Raw};
use super::session::Reviewer;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use switchyard_service::calls::review;

/// `GET /queue/next`: `303` to the call (its page keeps the filters, for `j`/`k` and the
/// next visit here), or to the list with `queue=done`.
pub async fn next(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(raw): Query<Raw>,
) -> Result<Response, WebError> {
    let filters = Filters::of(&raw);
    let params = filters.params(&[])?;
    let to = match review::next_unviewed(&state.services, &reviewer.caller, &params).await? {
        Some(id) => filters.link(&format!("/calls/{id}")),
        None => match filters.query() {
            query if query.is_empty() => "/?queue=done".to_owned(),
            query => format!("/?{query}&queue=done"),
        },
    };
    Ok(Redirect::to(&to).into_response())
}
