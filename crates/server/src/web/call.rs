//! `/calls/{id}`: one call for review. Opening it records the member in `viewed_by`; its
//! forms add, edit, flag and delete notes, toggle ratings, and stop or cancel the call,
//! each through the API's own function (same roles, same validation). Another
//! organization's call is a 404 page, exactly as in the API. The page keeps the list's
//! filters in its address (and its forms'), for the links to the previous and next call
//! under them; while the call is not final it follows it on `/events`.

use super::call_view::CallView;
use super::error::WebError;
use super::filters::{Filters, Raw};
use super::form::Checked;
use super::form::Empty;
use super::session::Reviewer;
use super::view::{Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchyard_core::enums::{Emoji, RatingOperation};
use switchyard_core::store::StoreError;
use switchyard_core::{CallId, NoteId};
use switchyard_service::ServiceError;
use switchyard_service::calls::review::{self, RatingChange};
use switchyard_service::calls::{self, notes, outputs};

/// How long the page's recording link works.
const RECORDING_LINK_SECS: u64 = 6 * 3600;

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage {
    me: Option<Me>,
    call: CallView,
    /// `?<filters>` (or nothing): carried by the page's links and forms.
    filters: String,
    /// The list under those filters.
    list: String,
    /// The calls before and after this one in that list.
    prev: Option<String>,
    next: Option<String>,
    /// The live stream of this call's changes, while it is not final.
    events: Option<String>,
}

/// A page address holds an id; anything else is a page that does not exist.
pub(super) fn call_id(raw: &str) -> Result<CallId, WebError> {
    raw.parse()
        .map_err(|_| WebError::Service(ServiceError::not_found("call")))
}

/// Records the member in the call's `viewed_by`, then reads what the page shows.
async fn view(state: &AppState, reviewer: &Reviewer, id: CallId) -> Result<CallView, WebError> {
    let caller = &reviewer.caller;
    let services = &state.services;
    let call = review::view(services, caller, id, None)
        .await?
        .to_call()
        .map_err(|error| StoreError::Backend(error.into()))?;
    let logs = outputs::logs(services, caller, id).await?;
    let transcript = outputs::transcript_if_any(services, caller, id).await?;
    let recording = outputs::signed_recording_path(services, &call, RECORDING_LINK_SECS)
        .await?
        .map(|(path, _)| path);
    Ok(CallView::new(
        &call,
        &logs,
        transcript.as_ref(),
        recording,
        &reviewer.me(),
    ))
}

/// `GET /calls/{id}[?<filters>]`: records the viewer, then shows the call.
pub async fn page(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(raw): Path<String>,
    Query(query): Query<Raw>,
) -> Result<Response, WebError> {
    let id = call_id(&raw)?;
    // Before the read: what changes after it is sent first on the stream.
    let position = state.services.feed().position();
    let call = view(&state, &reviewer, id).await?;
    let filters = Filters::of(&query);
    let params = filters.params(&[])?;
    let (prev, next) = calls::neighbours(&state.services, &reviewer.caller, &params, id).await?;
    let link = |id: CallId| filters.link(&format!("/calls/{id}"));
    Ok(render(&CallPage {
        me: Some(reviewer.me()),
        events: (!call.is_final).then(|| format!("/events?call={id}&since={position}")),
        filters: filters.link(""),
        list: filters.link("/"),
        prev: prev.map(link),
        next: next.map(link),
        call,
    }))
}

/// Back to the call's page, with the filters it was opened with.
fn back(id: CallId, query: &Raw, anchor: &str) -> Response {
    let page = Filters::of(query).link(&format!("/calls/{id}"));
    Redirect::to(&format!("{page}{anchor}")).into_response()
}

#[derive(Deserialize)]
pub struct NoteForm {
    content: String,
    flagged: Option<String>,
}

/// `POST /calls/{id}/notes`.
pub async fn add_note(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<Raw>,
    checked: Checked<NoteForm>,
) -> Result<Response, WebError> {
    let id = call_id(&raw)?;
    let form = checked.form;
    notes::add(
        &state.services,
        &checked.reviewer.caller,
        id,
        form.content,
        form.flagged.is_some(),
    )
    .await?;
    Ok(back(id, &query, "#notes"))
}

#[derive(Deserialize)]
pub struct NoteChange {
    /// `save` (with `content`), `flag`, `unflag` or `delete`.
    action: String,
    content: Option<String>,
}

/// `POST /calls/{id}/notes/{note_id}`.
pub async fn change_note(
    State(state): State<AppState>,
    Path((raw, raw_note)): Path<(String, String)>,
    Query(query): Query<Raw>,
    checked: Checked<NoteChange>,
) -> Result<Response, WebError> {
    let id = call_id(&raw)?;
    let note: NoteId = raw_note
        .parse()
        .map_err(|_| WebError::Service(ServiceError::not_found("note")))?;
    let caller = &checked.reviewer.caller;
    let form = checked.form;
    match form.action.as_str() {
        "save" => notes::update(&state.services, caller, id, note, form.content, None).await?,
        "flag" => notes::update(&state.services, caller, id, note, None, Some(true)).await?,
        "unflag" => notes::update(&state.services, caller, id, note, None, Some(false)).await?,
        "delete" => notes::delete(&state.services, caller, id, note).await?,
        other => {
            return Err(ServiceError::invalid_field(
                "action",
                format!("`{other}` is not one of save, flag, unflag, delete"),
            )
            .into());
        }
    };
    Ok(back(id, &query, "#notes"))
}

#[derive(Deserialize)]
pub struct RateForm {
    emoji: String,
    operation: String,
}

/// `POST /calls/{id}/ratings`: adds or removes the member's rating.
pub async fn rate(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<Raw>,
    checked: Checked<RateForm>,
) -> Result<Response, WebError> {
    let id = call_id(&raw)?;
    let form = checked.form;
    let bad = |field: &str, e: switchyard_core::enums::UnknownVariant| {
        WebError::Service(ServiceError::invalid_field(field, e.to_string()))
    };
    let change = RatingChange {
        emoji: form.emoji.parse::<Emoji>().map_err(|e| bad("emoji", e))?,
        operation: form
            .operation
            .parse::<RatingOperation>()
            .map_err(|e| bad("operation", e))?,
        email: None,
    };
    review::change_rating(&state.services, &checked.reviewer.caller, id, change).await?;
    Ok(back(id, &query, "#ratings"))
}

/// `POST /calls/{id}/stop`.
pub async fn stop(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<Raw>,
    checked: Checked<Empty>,
) -> Result<Response, WebError> {
    let id = call_id(&raw)?;
    calls::stop(&state.services, &checked.reviewer.caller, id).await?;
    Ok(back(id, &query, ""))
}

/// `POST /calls/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<Raw>,
    checked: Checked<Empty>,
) -> Result<Response, WebError> {
    let id = call_id(&raw)?;
    calls::cancel(&state.services, &checked.reviewer.caller, id).await?;
    Ok(back(id, &query, ""))
}
