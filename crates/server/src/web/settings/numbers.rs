//! `/settings/numbers`: the organization's numbers, and for Owners buying one (by area
//! code), its title, its routes (the use case and agents drawn by probability, which must
//! add up to 100) and releasing it. The same functions as `/api/v1/numbers`: the same roles,
//! checks and organization; a refused form comes back as sent, each API error beside its
//! field.

use super::field_errors::FieldErrors;
use super::number_card::{NumberCard, card};
use super::number_routes::RoutesForm;
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::form::Checked;
use crate::web::session::Reviewer;
use crate::web::view::{Me, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use switchyard_core::NumberId;
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
