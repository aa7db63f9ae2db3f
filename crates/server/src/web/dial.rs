//! `/dial`: one outbound call, or a campaign from a CSV file (previewed, then created),
//! whose progress page follows its calls as the engine places them. Both go through the
//! API's dial functions: the same checks as `POST /dial/outbound` and `/dial/scheduled`.

use super::error::WebError;
use super::form::Checked;
use super::session::Reviewer;
use super::view::{CallRow, Choice, Me, render};
use crate::api::dial::idempotency;
use crate::api::dial::item::DialItem;
use crate::api::dial::outbound::build_one;
use crate::api::dial::scheduled::{self, CampaignIn};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchyard_core::enums::{Language, Role, SortOrder};
use switchyard_core::store::{CallFilter, CallQuery};
use switchyard_core::{Id, Timestamp};

/// Rows shown in a campaign's preview.
const PREVIEW_ROWS: usize = 20;

#[derive(Template)]
#[template(path = "dial.html")]
struct DialPage {
    me: Option<Me>,
    numbers: Vec<Choice>,
    use_cases: Vec<Choice>,
    agents: Vec<Choice>,
    languages: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "campaign_preview.html")]
struct PreviewPage {
    me: Option<Me>,
    form: CampaignForm,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    total: usize,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct ProgressPage {
    me: Option<Me>,
    progress: Progress,
}

#[derive(Template)]
#[template(path = "campaign_progress.html")]
struct ProgressFragment {
    progress: Progress,
}

pub struct Progress {
    pub id: String,
    pub name: String,
    pub total: usize,
    pub done: usize,
    pub counts: Vec<(&'static str, usize)>,
    pub rows: Vec<CallRow>,
    pub pending: bool,
}

/// `GET /dial`: Representatives and Owners, as in the API.
pub async fn page(State(state): State<AppState>, reviewer: Reviewer) -> Result<Response, WebError> {
    let caller = &reviewer.caller;
    caller.require(Role::Representative)?;
    let org = caller.organization_id;
    let numbers = state.store.list_numbers(org).await?;
    let use_cases = state.store.list_use_cases(org).await?;
    let agents = state.store.list_agents(org).await?;
    let page = DialPage {
        me: Some(reviewer.me()),
        numbers: Choice::list(
            numbers
                .iter()
                .map(|n| (n.id.to_string(), format!("{} ({})", n.number, n.title))),
            None,
        ),
        use_cases: Choice::list(
            use_cases.iter().map(|u| (u.id.to_string(), u.name.clone())),
            None,
        ),
        agents: Choice::list(
            agents.iter().map(|a| (a.id.to_string(), a.name.clone())),
            None,
        ),
        languages: Choice::list(
            Language::ALL.iter().map(|l| (l.to_string(), l.to_string())),
            None,
        ),
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
pub struct DialForm {
    number_id: String,
    phone_number: String,
    #[serde(default)]
    use_case_id: String,
    #[serde(default)]
    agent_id: String,
    #[serde(default)]
    language: String,
    /// `name=value` lines.
    #[serde(default)]
    params: String,
    /// `YYYY-MM-DDTHH:MM` (UTC), from `<input type="datetime-local">`.
    #[serde(default)]
    scheduled_for: String,
    #[serde(default)]
    max_duration_mins: String,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `name=value` lines as the params object.
fn params(text: &str) -> ApiResult<Option<Value>> {
    let mut map = Map::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once('=').ok_or_else(|| {
            ApiError::invalid_field("params", format!("`{line}` is not a `name=value` line"))
        })?;
        map.insert(
            name.trim().to_owned(),
            Value::String(value.trim().to_owned()),
        );
    }
    Ok((!map.is_empty()).then_some(Value::Object(map)))
}

fn schedule(text: &str) -> ApiResult<Option<Timestamp>> {
    let Some(text) = given(text) else {
        return Ok(None);
    };
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(&text, format).ok())
        .map(|at| Some(Timestamp::from_datetime(at.and_utc())))
        .ok_or_else(|| ApiError::invalid_field("scheduled_for", "not a date and time"))
}

/// `POST /dial`: places the call and opens its page.
pub async fn dial_one(
    State(state): State<AppState>,
    checked: Checked<DialForm>,
) -> Result<Response, WebError> {
    let caller = &checked.reviewer.caller;
    let form = checked.form;
    let max_duration_mins = match given(&form.max_duration_mins) {
        None => None,
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
            ApiError::invalid_field("max_duration_mins", "not a whole number of minutes")
        })?),
    };
    let item = DialItem {
        number_id: given(&form.number_id),
        phone_number: given(&form.phone_number),
        use_case_id: given(&form.use_case_id),
        agent_id: given(&form.agent_id),
        language: given(&form.language),
        params: params(&form.params)?,
        scheduled_for: schedule(&form.scheduled_for)?,
        max_duration_mins,
        ..DialItem::default()
    };
    let call = build_one(&state, caller, item).await?;
    idempotency::commit(
        &state,
        caller,
        std::slice::from_ref(&call),
        None,
        None,
        String::new(),
    )
    .await?;
    Ok(Redirect::to(&format!("/calls/{}", call.id)).into_response())
}

#[derive(Deserialize)]
pub struct CampaignForm {
    pub number_id: String,
    #[serde(default)]
    pub campaign_name: String,
    #[serde(default)]
    pub staggered_interval_minutes: String,
    /// The CSV text (the page's file picker fills it in).
    pub csv: String,
    /// Present on the preview's "create" button.
    pub confirm: Option<String>,
}

impl CampaignForm {
    fn body(&self) -> ApiResult<CampaignIn> {
        let interval = match given(&self.staggered_interval_minutes) {
            None => None,
            Some(raw) => Some(raw.parse::<u32>().map_err(|_| {
                ApiError::invalid_field(
                    "staggered_interval_minutes",
                    "not a whole number of minutes",
                )
            })?),
        };
        let body = json!({
            "number_id": given(&self.number_id),
            "campaign_name": given(&self.campaign_name),
            "staggered_interval_minutes": interval,
            "csv_file": base64::engine::general_purpose::STANDARD.encode(self.csv.as_bytes()),
        });
        serde_json::from_value(body).map_err(ApiError::internal)
    }
}

/// `POST /dial/campaign`: without `confirm`, a preview of the rows with every problem the
/// API would report; with it, the campaign is created and its progress page opens.
pub async fn campaign(
    State(state): State<AppState>,
    checked: Checked<CampaignForm>,
) -> Result<Response, WebError> {
    let caller = &checked.reviewer.caller;
    caller.require(Role::Representative)?;
    let form = checked.form;
    let body = form.body()?;
    let prepared = scheduled::prepare(&state, caller, &body).await;
    if form.confirm.is_some() {
        let (campaign, calls) = prepared?;
        idempotency::commit(&state, caller, &calls, Some(&campaign), None, String::new()).await?;
        return Ok(Redirect::to(&format!("/campaigns/{}", campaign.id)).into_response());
    }
    let mut errors = Vec::new();
    match prepared {
        Ok(_) => {}
        Err(ApiError::Unprocessable { errors: fields, .. }) => {
            errors.extend(fields.iter().map(|e| format!("{}: {}", e.field, e.message)));
        }
        Err(other) => return Err(other.into()),
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(form.csv.as_bytes());
    let (columns, rows, total) = match scheduled::csv_rows(&encoded) {
        Ok(parsed) => {
            let mut columns: Vec<String> = Vec::new();
            for row in &parsed {
                for name in row.keys() {
                    if !columns.contains(name) {
                        columns.push(name.clone());
                    }
                }
            }
            // The number first, then the params in the file's (sorted) order.
            columns.sort_by_key(|c| c != "phone_number");
            let rows = parsed
                .iter()
                .take(PREVIEW_ROWS)
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| row.get(c).and_then(Value::as_str).unwrap_or("").to_owned())
                        .collect()
                })
                .collect();
            (columns, rows, parsed.len())
        }
        Err(_) => (Vec::new(), Vec::new(), 0),
    };
    let page = PreviewPage {
        me: Some(checked.reviewer.me()),
        form,
        columns,
        rows,
        total,
        errors,
    };
    Ok(render(&page))
}

async fn progress(state: &AppState, reviewer: &Reviewer, raw: &str) -> Result<Progress, WebError> {
    let caller = &reviewer.caller;
    let org = caller.organization_id;
    let id: Id = raw
        .parse()
        .map_err(|_| WebError::Api(ApiError::not_found("campaign")))?;
    let campaign = state
        .store
        .get_campaign(org, id)
        .await
        .map_err(|e| match e {
            switchyard_core::store::StoreError::NotFound => ApiError::not_found("campaign"),
            other => other.into(),
        })?;
    let query = CallQuery {
        filter: CallFilter {
            campaigns: vec![id],
            ..CallFilter::default()
        },
        sort: SortOrder::Asc,
        limit: crate::api::calls::query::MAX_LIMIT,
        skip: 0,
    };
    let calls = state.store.list_calls(org, &query).await?.calls;
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for call in &calls {
        match counts.iter_mut().find(|(s, _)| *s == call.status.as_str()) {
            Some((_, n)) => *n += 1,
            None => counts.push((call.status.as_str(), 1)),
        }
    }
    let done = calls.iter().filter(|c| c.status.is_final()).count();
    Ok(Progress {
        id: id.to_string(),
        name: campaign.name.unwrap_or_else(|| "Campaign".to_owned()),
        total: calls.len(),
        done,
        counts,
        pending: done < calls.len(),
        rows: calls
            .iter()
            .map(|call| CallRow::new(call, &caller.email))
            .collect(),
    })
}

/// `GET /campaigns/{id}`.
pub async fn progress_page(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let progress = progress(&state, &reviewer, &raw).await?;
    Ok(render(&ProgressPage {
        me: Some(reviewer.me()),
        progress,
    }))
}

/// `GET /campaigns/{id}/rows`: the counts and rows alone, polled while calls are pending.
pub async fn progress_rows(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let progress = progress(&state, &reviewer, &raw).await?;
    Ok(render(&ProgressFragment { progress }))
}
