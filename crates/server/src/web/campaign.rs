//! Campaigns from a CSV file: `POST /dial/campaign` previews the rows with every problem
//! the API would report, then creates the campaign (the checks of `POST /dial/scheduled`,
//! the CSV read as its `csv_file`); `/campaigns/{id}` follows its calls as the engine
//! places them.

use super::dial::given;
use super::error::WebError;
use super::form::Checked;
use super::session::Reviewer;
use super::view::{CallRow, Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use switchyard_core::CampaignId;
use switchyard_core::enums::Role;
use switchyard_service::dial::{self, CampaignIn, idempotency};
use switchyard_service::{ServiceError, ServiceResult};

/// Rows shown in a campaign's preview.
const PREVIEW_ROWS: usize = 20;

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
    fn body(&self) -> ServiceResult<CampaignIn> {
        let interval = match given(&self.staggered_interval_minutes) {
            None => None,
            Some(raw) => Some(raw.parse::<u32>().map_err(|_| {
                ServiceError::invalid_field(
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
        serde_json::from_value(body).map_err(ServiceError::internal)
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
    let prepared = dial::prepare(&state.services, caller, &body).await;
    if form.confirm.is_some() {
        let (campaign, calls) = prepared?;
        idempotency::commit(
            &state.services,
            caller,
            &calls,
            Some(&campaign),
            None,
            String::new(),
        )
        .await?;
        return Ok(Redirect::to(&format!("/campaigns/{}", campaign.id)).into_response());
    }
    let mut errors = Vec::new();
    match prepared {
        Ok(_) => {}
        Err(ServiceError::Invalid { errors: fields, .. }) => {
            errors.extend(fields.iter().map(|e| format!("{}: {}", e.field, e.message)));
        }
        Err(other) => return Err(other.into()),
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(form.csv.as_bytes());
    let (columns, rows, total) = match dial::csv_rows(&encoded) {
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
    let id: CampaignId = raw
        .parse()
        .map_err(|_| WebError::Service(ServiceError::not_found("campaign")))?;
    let (campaign, calls) = dial::campaign_calls(&state.services, &reviewer.caller, id).await?;
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
            .map(|call| CallRow::new(call, &reviewer.caller.email))
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
