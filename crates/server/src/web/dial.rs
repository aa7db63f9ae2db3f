//! `/dial`: the page with both forms, and one outbound call, placed through the API's
//! own functions (the checks of `POST /dial/outbound`). Campaigns: `campaign.rs`.

use super::error::WebError;
use super::form::Checked;
use super::session::Reviewer;
use super::view::{Choice, Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::{Map, Value};
use switchyard_core::Timestamp;
use switchyard_core::enums::{Language, Role};
use switchyard_core::time;
use switchyard_service::dial::item::DialItem;
use switchyard_service::dial::{build_one, idempotency};
use switchyard_service::{ServiceError, ServiceResult, agents, numbers, use_cases};

#[derive(Template)]
#[template(path = "dial.html")]
struct DialPage {
    me: Option<Me>,
    numbers: Vec<Choice>,
    use_cases: Vec<Choice>,
    agents: Vec<Choice>,
    languages: Vec<Choice>,
    /// The last attempt, shown again with what was wrong with it.
    form: DialForm,
    errors: Vec<String>,
}

/// `GET /dial`: Representatives and Owners, as in the API.
pub async fn page(State(state): State<AppState>, reviewer: Reviewer) -> Result<Response, WebError> {
    dial_page(&state, &reviewer, DialForm::default(), Vec::new()).await
}

async fn dial_page(
    state: &AppState,
    reviewer: &Reviewer,
    form: DialForm,
    errors: Vec<String>,
) -> Result<Response, WebError> {
    let caller = &reviewer.caller;
    caller.require(Role::Representative)?;
    let services = &state.services;
    let numbers = numbers::list(services, caller).await?;
    let use_cases = use_cases::list(services, caller).await?;
    let agents = agents::list(services, caller).await?;
    let page = DialPage {
        me: Some(reviewer.me()),
        numbers: Choice::list(
            numbers
                .iter()
                .map(|n| (n.id.to_string(), format!("{} ({})", n.number, n.title))),
            Some(form.number_id.as_str()),
        ),
        use_cases: Choice::list(
            use_cases.iter().map(|u| (u.id.to_string(), u.name.clone())),
            Some(form.use_case_id.as_str()),
        ),
        agents: Choice::list(
            agents.iter().map(|a| (a.id.to_string(), a.name.clone())),
            Some(form.agent_id.as_str()),
        ),
        languages: Choice::list(
            Language::ALL.iter().map(|l| (l.to_string(), l.to_string())),
            Some(form.language.as_str()),
        ),
        form,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Default, Deserialize)]
pub struct DialForm {
    #[serde(default)]
    number_id: String,
    #[serde(default)]
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

pub(super) fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `name=value` lines as the params object.
fn params(text: &str) -> ServiceResult<Option<Value>> {
    let mut map = Map::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once('=').ok_or_else(|| {
            ServiceError::invalid_field("params", format!("`{line}` is not a `name=value` line"))
        })?;
        map.insert(
            name.trim().to_owned(),
            Value::String(value.trim().to_owned()),
        );
    }
    Ok((!map.is_empty()).then_some(Value::Object(map)))
}

fn schedule(text: &str) -> ServiceResult<Option<Timestamp>> {
    let Some(text) = given(text) else {
        return Ok(None);
    };
    let at = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(&text, format).ok())
        .ok_or_else(|| ServiceError::invalid_field("scheduled_for", "not a date and time"))?;
    time::in_years(&text, at.date())
        .map_err(|e| ServiceError::invalid_field("scheduled_for", e.to_string()))?;
    Ok(Some(Timestamp::from_datetime(at.and_utc())))
}

/// `POST /dial`: places the call and opens its page; a call the API would refuse shows
/// the form again with the API's field errors.
pub async fn dial_one(
    State(state): State<AppState>,
    checked: Checked<DialForm>,
) -> Result<Response, WebError> {
    let caller = &checked.reviewer.caller;
    let form = checked.form;
    let call = match item(&form) {
        Ok(item) => build_one(&state.services, caller, item).await,
        Err(error) => Err(error),
    };
    let call = match call {
        Ok(call) => call,
        Err(ServiceError::Invalid { errors, .. }) => {
            let errors = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            return dial_page(&state, &checked.reviewer, form, errors).await;
        }
        Err(other) => return Err(other.into()),
    };
    idempotency::commit(
        &state.services,
        caller,
        std::slice::from_ref(&call),
        None,
        None,
        String::new(),
    )
    .await?;
    Ok(Redirect::to(&format!("/calls/{}", call.id)).into_response())
}

/// The form as the API's dial request.
fn item(form: &DialForm) -> ServiceResult<DialItem> {
    let max_duration_mins = match given(&form.max_duration_mins) {
        None => None,
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
            ServiceError::invalid_field("max_duration_mins", "not a whole number of minutes")
        })?),
    };
    Ok(DialItem {
        number_id: given(&form.number_id),
        phone_number: given(&form.phone_number),
        use_case_id: given(&form.use_case_id),
        agent_id: given(&form.agent_id),
        language: given(&form.language),
        params: params(&form.params)?,
        scheduled_for: schedule(&form.scheduled_for)?,
        max_duration_mins,
        ..DialItem::default()
    })
}
