//! `/settings/numbers`: the organization's numbers, and for Owners buying one (by area
//! code), its title, its routes (the use case and agents drawn by probability, which must
//! add up to 100) and releasing it. The same functions as `/api/v1/numbers`: the same roles,
//! checks and organization; a refused form comes back as sent, each API error beside its
//! field.

use super::error::WebError;
use super::field_errors::FieldErrors;
use super::form::Checked;
use super::number_routes::{RoutesForm, agent_field, probability_field};
use super::session::Reviewer;
use super::view::{Choice, Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use switchyard_core::NumberId;
use switchyard_core::number::Number;
use switchyard_service::numbers::{self, BuyIn, ConfigPatch, TitleIn};
use switchyard_service::{ServiceError, agents, use_cases};

#[derive(Template)]
#[template(path = "settings_numbers.html")]
struct NumbersPage {
    me: Option<Me>,
    /// Owners get the forms; everyone else reads.
    owner: bool,
    csrf: String,
    numbers: Vec<NumberCard>,
    area_code: String,
    area_code_error: Option<String>,
    /// A refusal of the purchase itself (the area code is full).
    buy_error: Option<String>,
}

struct NumberCard {
    id: String,
    e164: String,
    title: String,
    locality: String,
    use_case: String,
    use_cases: Vec<Choice>,
    rows: Vec<RowView>,
    /// The prompt routes, read here and set through the API.
    prompt_routes: Vec<String>,
    /// The running sum as the page starts it (`settings.js` keeps it as you type).
    sum_text: String,
    sum_ok: bool,
    title_error: Option<String>,
    use_case_error: Option<String>,
    routes_error: Option<String>,
    confirm_error: Option<String>,
    /// What the API refused that has no field on the form.
    other_errors: Vec<String>,
}

struct RowView {
    agents: Vec<Choice>,
    /// The agent's name, for those who read.
    agent: String,
    probability: String,
    agent_error: Option<String>,
    probability_error: Option<String>,
}

/// A form of one number's card, shown again as sent with what was wrong with it.
#[derive(Default)]
struct Refused {
    number: Option<NumberId>,
    title: Option<String>,
    routes: Option<RoutesForm>,
    area_code: String,
    errors: FieldErrors,
}

/// `GET /settings/numbers`: everyone in the organization reads.
pub async fn page(State(state): State<AppState>, reviewer: Reviewer) -> Result<Response, WebError> {
    numbers_page(&state, &reviewer, Refused::default()).await
}

async fn numbers_page(
    state: &AppState,
    reviewer: &Reviewer,
    mut refused: Refused,
) -> Result<Response, WebError> {
    let (services, caller) = (&state.services, &reviewer.caller);
    let numbers = numbers::list(services, caller).await?;
    let use_cases: Vec<(String, String)> = use_cases::list(services, caller)
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect();
    let agents: Vec<(String, String)> = agents::list(services, caller)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    let status = refused.errors.status.unwrap_or(StatusCode::OK);
    let cards = numbers
        .into_iter()
        .map(|number| {
            let this = refused.number == Some(number.id);
            let none = FieldErrors::default();
            let errors = if this { &refused.errors } else { &none };
            let title = this.then(|| refused.title.take()).flatten();
            let form = this.then(|| refused.routes.take()).flatten();
            let form = form.unwrap_or_else(|| RoutesForm::of(&number.use_case_config));
            card(number, title, form, errors, &use_cases, &agents)
        })
        .collect();
    let me = reviewer.me();
    let for_buy = refused.number.is_none();
    let page = NumbersPage {
        owner: me.is_owner,
        csrf: me.csrf.clone(),
        me: Some(me),
        numbers: cards,
        area_code_error: refused.errors.get("area_code").map(str::to_owned),
        buy_error: refused.errors.general.clone().filter(|_| for_buy),
        area_code: refused.area_code,
    };
    Ok((status, render(&page)).into_response())
}

fn card(
    number: Number,
    title: Option<String>,
    form: RoutesForm,
    errors: &FieldErrors,
    use_cases: &[(String, String)],
    agents: &[(String, String)],
) -> NumberCard {
    let current_use_case = number.use_case_config.id.map(|id| id.to_string());
    let rows: Vec<RowView> = form
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| RowView {
            agents: Choice::list(agents.iter().cloned(), Some(&row.agent_id)),
            agent: name_of(agents, &row.agent_id),
            probability: row.probability.clone(),
            agent_error: errors.get(&agent_field(i)).map(str::to_owned),
            probability_error: errors.get(&probability_field(i)).map(str::to_owned),
        })
        .collect();
    let shown: Vec<String> = (0..rows.len())
        .flat_map(|i| [agent_field(i), probability_field(i)])
        .chain(["title", "use_case_id", "agent_routes", "confirm"].map(str::to_owned))
        .collect();
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    let mut other_errors = errors.others(&shown);
    other_errors.extend(errors.general.clone());
    let prompt_routes = number
        .use_case_config
        .prompt_routes
        .iter()
        .map(|route| format!("{} · {}%", route.prompt_id, route.probability))
        .collect();
    NumberCard {
        prompt_routes,
        id: number.id.to_string(),
        e164: number.number,
        title: title.unwrap_or(number.title),
        locality: number.locality,
        use_case: current_use_case
            .as_deref()
            .map_or_else(|| "none".to_owned(), |id| name_of(use_cases, id)),
        use_cases: Choice::list(use_cases.iter().cloned(), Some(&form.use_case_id)),
        sum_text: form
            .sum()
            .map_or_else(|| "No routes".to_owned(), |sum| format!("Sum: {sum}%")),
        sum_ok: form.sum().is_none_or(|sum| sum == 100),
        rows,
        title_error: errors.get("title").map(str::to_owned),
        use_case_error: errors.get("use_case_id").map(str::to_owned),
        routes_error: errors.get("agent_routes").map(str::to_owned),
        confirm_error: errors.get("confirm").map(str::to_owned),
        other_errors,
    }
}

/// The name of the use case or agent `id` among `(id, name)` pairs.
fn name_of(list: &[(String, String)], id: &str) -> String {
    list.iter()
        .find(|(value, _)| value == id)
        .map_or_else(|| id.to_owned(), |(_, name)| name.clone())
}

/// The API's request body from the form's values.
fn body<T: DeserializeOwned>(value: Value) -> Result<T, WebError> {
    serde_json::from_value(value)
        .map_err(|e| WebError::Service(ServiceError::invalid_field("body", e.to_string())))
}

fn number_id(raw: &str) -> Result<NumberId, WebError> {
    raw.parse()
        .map_err(|_| WebError::Service(ServiceError::not_found("number")))
}

fn to_card(id: NumberId) -> Response {
    Redirect::to(&format!("/settings/numbers#number-{id}")).into_response()
}

#[derive(Deserialize)]
pub struct BuyForm {
    #[serde(default)]
    area_code: String,
}

/// `POST /settings/numbers`: buys a number in the area code (blank: the API's default).
pub async fn buy(
    State(state): State<AppState>,
    checked: Checked<BuyForm>,
) -> Result<Response, WebError> {
    let area_code = checked.form.area_code.trim().to_owned();
    let sent: BuyIn = body(json!({"area_code": Some(&area_code).filter(|a| !a.is_empty())}))?;
    match numbers::buy(&state.services, &checked.reviewer.caller, sent).await {
        Ok(number) => Ok(to_card(number.id)),
        Err(error) => {
            let refused = Refused {
                area_code,
                errors: FieldErrors::from_service(error)?,
                ..Refused::default()
            };
            numbers_page(&state, &checked.reviewer, refused).await
        }
    }
}

#[derive(Deserialize)]
pub struct TitleForm {
    #[serde(default)]
    title: String,
}

/// `POST /settings/numbers/{id}/title`.
pub async fn retitle(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    checked: Checked<TitleForm>,
) -> Result<Response, WebError> {
    let id = number_id(&raw)?;
    let title = checked.form.title;
    let sent: TitleIn = body(json!({ "title": title }))?;
    match numbers::retitle(&state.services, &checked.reviewer.caller, id, sent).await {
        Ok(_) => Ok(to_card(id)),
        Err(error) => {
            let refused = Refused {
                number: Some(id),
                title: Some(title),
                errors: FieldErrors::from_service(error)?,
                ..Refused::default()
            };
            numbers_page(&state, &checked.reviewer, refused).await
        }
    }
}

/// `POST /settings/numbers/{id}/routes`: the use case and the agents' routes, all at once.
pub async fn route(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    checked: Checked<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let (services, caller) = (&state.services, &checked.reviewer.caller);
    let id = number_id(&raw)?;
    let form = RoutesForm::read(&checked.form);
    let errors = match form.patch() {
        Ok((sent, rows)) => {
            let sent: ConfigPatch = body(sent)?;
            match numbers::route(services, caller, id, sent).await {
                Ok(_) => return Ok(to_card(id)),
                Err(error) => {
                    let mut errors = FieldErrors::from_service(error)?;
                    errors.rename(|field| rows.form_field(field));
                    errors
                }
            }
        }
        Err(errors) => {
            // What the API would answer first: its role check, then the number.
            caller.require(switchyard_core::enums::Role::Owner)?;
            numbers::get(services, caller, id).await?;
            errors
        }
    };
    let refused = Refused {
        number: Some(id),
        routes: Some(form),
        errors,
        ..Refused::default()
    };
    numbers_page(&state, &checked.reviewer, refused).await
}

/// A destructive button's form: its checkbox must be ticked.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /settings/numbers/{id}/release`: gives the number back to the network, once the
/// box is ticked (the line is then anyone's to buy).
pub async fn release(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    checked: Checked<ConfirmForm>,
) -> Result<Response, WebError> {
    let (services, caller) = (&state.services, &checked.reviewer.caller);
    let id = number_id(&raw)?;
    if checked.form.confirm != "yes" {
        // What the API would answer first: its role check, then the number.
        caller.require(switchyard_core::enums::Role::Owner)?;
        numbers::get(services, caller, id).await?;
        let mut errors = FieldErrors::default();
        errors.push("confirm", "tick the box to release the number");
        let refused = Refused {
            number: Some(id),
            errors,
            ..Refused::default()
        };
        return numbers_page(&state, &checked.reviewer, refused).await;
    }
    numbers::release(services, caller, id).await?;
    Ok(Redirect::to("/settings/numbers").into_response())
}
