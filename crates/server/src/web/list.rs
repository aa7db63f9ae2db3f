//! `/`: the organization's calls, newest first, 50 a page, filtered with the API's own
//! query parser (the filter form's fields are `GET /api/v1/calls`'s parameters), unviewed
//! calls marked; while any call on the page is not final, its rows refresh every 2 s.

use super::error::{WebError, urlencode};
use super::session::Reviewer;
use super::view::{CallRow, Choice, Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use switchyard_core::enums::{CallType, Emoji};
use switchyard_core::lifecycle::CallStatus;
use switchyard_service::calls::{self, query::CallQueryParams};
use switchyard_service::{ServiceError, use_cases};

const PAGE_SIZE: u64 = 50;
/// The filters of `GET /api/v1/calls` the page offers, by their API names.
const FILTERS: &[&str] = &[
    "statuses",
    "type",
    "use_cases",
    "campaigns",
    "tags",
    "ratings",
    "from",
    "to",
    "search",
];

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
    /// Where the rows refresh from while some call on the page is not final.
    pub poll: Option<String>,
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

type Raw = Vec<(String, String)>;

fn filters(raw: &Raw) -> BTreeMap<String, String> {
    raw.iter()
        .filter(|(name, value)| FILTERS.contains(&name.as_str()) && !value.trim().is_empty())
        .map(|(name, value)| (name.clone(), value.trim().to_owned()))
        .collect()
}

async fn load(state: &AppState, reviewer: &Reviewer, raw: &Raw) -> Result<Listing, WebError> {
    let filters = filters(raw);
    let page = raw
        .iter()
        .find(|(name, _)| name == "page")
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let mut params: Map<String, Value> = filters
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    params.insert("limit".into(), Value::String(PAGE_SIZE.to_string()));
    params.insert(
        "skip".into(),
        Value::String(((page - 1) * PAGE_SIZE).to_string()),
    );
    let params: CallQueryParams = serde_json::from_value(Value::Object(params))
        .map_err(|e| WebError::Service(ServiceError::Malformed(e.to_string())))?;
    let caller = &reviewer.caller;
    let list = calls::list_decoded(&state.services, caller, &params).await?;
    let query_string = filters
        .iter()
        .map(|(name, value)| format!("{name}={}", urlencode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let live = list.calls.iter().any(|call| call.status.is_pending());
    Ok(Listing {
        rows: list
            .calls
            .iter()
            .map(|call| CallRow::new(call, &caller.email))
            .collect(),
        count: list.count,
        page,
        pages: list.count.div_ceil(PAGE_SIZE).max(1),
        poll: live.then(|| format!("/calls/rows?{query_string}&page={page}")),
        query: query_string,
    })
}

/// `GET /`.
pub async fn page(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(raw): Query<Raw>,
) -> Result<Response, WebError> {
    let listing = load(&state, &reviewer, &raw).await?;
    let current = filters(&raw);
    let get = |name: &str| current.get(name).map(String::as_str);
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
    };
    Ok(render(&page))
}

/// `GET /calls/rows`: the table body alone, for the page's polling.
pub async fn rows(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(raw): Query<Raw>,
) -> Result<Response, WebError> {
    let listing = load(&state, &reviewer, &raw).await?;
    Ok(render(&RowsFragment { listing }))
}
