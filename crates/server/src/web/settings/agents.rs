//! `/settings/agents`: the organization's agents, a form for a new one and one per agent.
//! Everyone reads; only Owners get Save and Delete, and a post from anyone else is the
//! API's `403`. A save sends the API's JSON body (`{name, languages, voice_id}`) to
//! `agents::{create, update}`, so a `422` is the API's, shown beside its field. Another
//! organization's agent is the same `404` page as an unknown id.

use super::controls::{Controls, Done, Field, Posted, Problem, field_errors, given, tick, ticked};
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::form::{Checked, Empty};
use crate::web::session::Reviewer;
use crate::web::view::{Me, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};
use switchyard_core::AgentId;
use switchyard_core::agent::Agent;
use switchyard_core::enums::{AgentLanguage, Role};
use switchyard_service::json::from_value;
use switchyard_service::{FieldError, ServiceError, agents};

const LIST: &str = "/settings/agents";

#[derive(Template)]
#[template(path = "settings_agents.html")]
struct ListPage {
    me: Option<Me>,
    can_edit: bool,
    notice: Option<String>,
    rows: Vec<ListRow>,
}

struct ListRow {
    id: String,
    name: String,
    languages: String,
    voice: String,
}

#[derive(Template)]
#[template(path = "settings_agent.html")]
struct FormPage {
    me: Option<Me>,
    can_edit: bool,
    notice: Option<String>,
    /// `None` for a new agent.
    id: Option<String>,
    title: String,
    problems: Vec<Problem>,
    name: Field,
    voice_id: Field,
    /// Carries the errors about the list as a whole (`languages`, `languages[1]`).
    languages: Field,
    choices: Vec<(&'static str, Field)>,
}

/// `GET /settings/agents`.
pub async fn list(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let agents = agents::list(&state.services, &reviewer.caller).await?;
    let rows = agents
        .into_iter()
        .map(|a| ListRow {
            id: a.id.to_string(),
            languages: a
                .languages
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            voice: a.voice_id.unwrap_or_else(|| "—".to_owned()),
            name: a.name,
        })
        .collect();
    let page = ListPage {
        can_edit: reviewer.caller.role >= Role::Owner,
        me: Some(reviewer.me()),
        notice: done.notice("Agent"),
        rows,
    };
    Ok(render(&page).into_response())
}

/// `GET /settings/agents/new`: Owners only, as creating is.
pub async fn new_form(reviewer: Reviewer) -> Result<Response, WebError> {
    reviewer.caller.require(Role::Owner)?;
    let mut posted = Posted::new();
    tick(&mut posted, "language.english", true);
    Ok(form_page(&reviewer, None, &posted, &[], None))
}

/// `POST /settings/agents/new`.
pub async fn create(
    State(state): State<AppState>,
    checked: Checked<Posted>,
) -> Result<Response, WebError> {
    let created = match from_value(to_json(&checked.form), "") {
        Ok(body) => agents::create(&state.services, &checked.reviewer.caller, body).await,
        Err(error) => Err(ServiceError::invalid(vec![error])),
    };
    match created {
        Ok(agent) => Ok(Redirect::to(&format!("{LIST}/{}?done=created", agent.id)).into_response()),
        Err(error) => {
            let errors = field_errors(error)?;
            Ok(form_page(
                &checked.reviewer,
                None,
                &checked.form,
                &errors,
                None,
            ))
        }
    }
}

/// `GET /settings/agents/{id}`.
pub async fn edit(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let agent = agents::get(&state.services, &reviewer.caller, agent_id(&id)?).await?;
    let posted = from_stored(&agent);
    Ok(form_page(
        &reviewer,
        Some(&agent),
        &posted,
        &[],
        done.notice("Agent"),
    ))
}

/// `POST /settings/agents/{id}`: every field, as a `PATCH`.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    checked: Checked<Posted>,
) -> Result<Response, WebError> {
    let caller = &checked.reviewer.caller;
    let id = agent_id(&id)?;
    let updated = match from_value(to_json(&checked.form), "") {
        Ok(patch) => agents::update(&state.services, caller, id, patch).await,
        Err(error) => Err(ServiceError::invalid(vec![error])),
    };
    let errors = match updated {
        Ok(_) => return Ok(Redirect::to(&format!("{LIST}/{id}?done=saved")).into_response()),
        Err(error) => field_errors(error)?,
    };
    let stored = agents::get(&state.services, caller, id).await?;
    Ok(form_page(
        &checked.reviewer,
        Some(&stored),
        &checked.form,
        &errors,
        None,
    ))
}

/// `POST /settings/agents/{id}/delete`: refused (`409` page, the API's message) for the
/// organization's default agent and an agent a number routes to.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    checked: Checked<Empty>,
) -> Result<Response, WebError> {
    agents::delete(&state.services, &checked.reviewer.caller, agent_id(&id)?).await?;
    Ok(Redirect::to(&format!("{LIST}?done=deleted")).into_response())
}

fn agent_id(raw: &str) -> Result<AgentId, WebError> {
    raw.parse()
        .map_err(|_| WebError::Service(ServiceError::not_found("agent")))
}

fn from_stored(agent: &Agent) -> Posted {
    let mut posted = Posted::new();
    posted.insert("name".to_owned(), agent.name.clone());
    if let Some(voice) = &agent.voice_id {
        posted.insert("voice_id".to_owned(), voice.clone());
    }
    for language in &agent.languages {
        tick(&mut posted, &format!("language.{language}"), true);
    }
    posted
}

/// The API's body: a blank voice clears it, as in the API.
fn to_json(posted: &Posted) -> Value {
    let languages: Vec<&str> = AgentLanguage::ALL
        .iter()
        .map(|l| l.as_str())
        .filter(|l| ticked(posted, &format!("language.{l}")))
        .collect();
    json!({
        "name": posted.get("name").map(|n| n.trim()).unwrap_or_default(),
        "languages": languages,
        "voice_id": given(posted, "voice_id"),
    })
}

/// The form page; `422` when it shows errors.
fn form_page(
    reviewer: &Reviewer,
    stored: Option<&Agent>,
    posted: &Posted,
    errors: &[FieldError],
    notice: Option<String>,
) -> Response {
    let controls = Controls::new(posted, errors);
    let page = FormPage {
        me: Some(reviewer.me()),
        can_edit: reviewer.caller.role >= Role::Owner,
        notice,
        id: stored.map(|a| a.id.to_string()),
        title: stored.map_or("New agent".to_owned(), |a| format!("Agent: {}", a.name)),
        name: controls.field("name"),
        voice_id: controls.field("voice_id"),
        languages: controls.field("languages"),
        choices: AgentLanguage::ALL
            .iter()
            .map(|l| (l.as_str(), controls.field(&format!("language.{l}"))))
            .collect(),
        problems: controls.summary(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, render(&page)).into_response()
}
