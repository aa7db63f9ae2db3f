//! `/`: the organization's calls, newest first, 50 a page, filtered with the API's own
//! query parser (the filter form's fields are `GET /api/v1/calls`'s parameters), unviewed
//! calls marked; rows follow the calls' changes live (`/events`, docs/WEB.md).

use super::error::WebError;
use super::filters::{Filters, Raw};
use super::session::Reviewer;
use super::view::{CallRow, Choice, Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use switchyard_core::enums::{CallType, Emoji};
use switchyard_core::lifecycle::CallStatus;
use switchyard_service::calls;
use switchyard_service::use_cases;

const PAGE_SIZE: u64 = 50;

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    me: Option<Me>,
    listing: Listing,
    statuses: Vec<Choice>,
    types: Vec<Choice>,
    use_cases: Vec<Choice>,
    tags: Vec<Choice>,
    ratings: Vec<Choice>,
    campaign: String,
    from: String,
    to: String,
    search: String,
    filtered: bool,
    /// The review queue found nothing under these filters.
    queue_done: bool,
    /// The live stream, from where this page was read.
    events: String,
    /// The review queue under these filters.
    next_unreviewed: String,
}

#[derive(Template)]
#[template(path = "rows.html")]
struct RowsFragment {
    listing: Listing,
}

/// One page of calls and how to get the others.
pub struct Listing {
    pub rows: Vec<CallRow>,
    pub count: u64,
    pub page: u64,
    pub pages: u64,
    /// The filters as a query string (without `page`).
    pub query: String,
    /// This page's rows alone, which the live script reads again when calls change.
    pub rows_url: String,
}

impl Listing {
    pub fn prev(&self) -> Option<String> {
        (self.page > 1).then(|| self.link(self.page - 1))
    }

    pub fn next(&self) -> Option<String> {
        (self.page < self.pages).then(|| self.link(self.page + 1))
    }

    fn link(&self, page: u64) -> String {
        if self.query.is_empty() {
            format!("/?page={page}")
        } else {
            format!("/?{}&page={page}", self.query)
        }
    }
}

async fn load(state: &AppState, reviewer: &Reviewer, raw: &Raw) -> Result<Listing, WebError> {
    let filters = Filters::of(raw);
    let page = raw
        .iter()
        .find(|(name, _)| name == "page")
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let params = filters.params(&[
        ("limit", PAGE_SIZE.to_string()),
        ("skip", ((page - 1) * PAGE_SIZE).to_string()),
    ])?;
    let caller = &reviewer.caller;
    let list = calls::list_decoded(&state.services, caller, &params).await?;
    let query = filters.query();
    Ok(Listing {
        rows: list
            .calls
            .iter()
            .map(|call| {
                let mut row = CallRow::new(call, &caller.email);
                // The call page steps through the calls under the same filters.
                row.link = filters.link(&format!("/calls/{}", call.id));
                row
            })
            .collect(),
        count: list.count,
        page,
        pages: list.count.div_ceil(PAGE_SIZE).max(1),
        rows_url: match query.as_str() {
            "" => format!("/calls/rows?page={page}"),
            query => format!("/calls/rows?{query}&page={page}"),
        },
        query,
    })
}

/// `GET /`.
pub async fn page(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(raw): Query<Raw>,
) -> Result<Response, WebError> {
    // Before the read: what changes after it is sent first on the stream.
    let events = format!("/events?since={}", state.services.feed().position());
    let listing = load(&state, &reviewer, &raw).await?;
    let current = Filters::of(&raw);
    let get = |name: &str| current.get(name);
    let (services, caller) = (&state.services, &reviewer.caller);
    let use_cases = use_cases::list(services, caller).await?;
    let tags = calls::tags(services, caller).await?;
    let page = ListPage {
        me: Some(reviewer.me()),
        listing,
        statuses: Choice::list(
            CallStatus::ALL
                .iter()
                .map(|s| (s.to_string(), s.to_string())),
            get("statuses"),
        ),
        types: Choice::list(
            CallType::ALL.iter().map(|t| (t.to_string(), t.to_string())),
            get("type"),
        ),
        use_cases: Choice::list(
            use_cases.iter().map(|u| (u.id.to_string(), u.name.clone())),
            get("use_cases"),
        ),
        tags: Choice::list(tags.into_iter().map(|t| (t.clone(), t)), get("tags")),
        ratings: Choice::list(
            Emoji::ALL.iter().map(|e| (e.to_string(), e.to_string())),
            get("ratings"),
        ),
        campaign: get("campaigns").unwrap_or_default().to_owned(),
        from: get("from").unwrap_or_default().to_owned(),
        to: get("to").unwrap_or_default().to_owned(),
        search: get("search").unwrap_or_default().to_owned(),
        filtered: !current.is_empty(),
        queue_done: raw
            .iter()
            .any(|(name, value)| name == "queue" && value == "done"),
        events,
        next_unreviewed: current.link("/queue/next"),
    };
    Ok(render(&page))
}

/// `GET /calls/rows`: the table body alone, read again by the live script.
pub async fn rows(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(raw): Query<Raw>,
) -> Result<Response, WebError> {
    let listing = load(&state, &reviewer, &raw).await?;
    Ok(render(&RowsFragment { listing }))
}
