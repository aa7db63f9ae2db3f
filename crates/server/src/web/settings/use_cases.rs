//! `/settings/use-cases`: the organization's use cases, a form for a new one and one per
//! use case. Everyone reads (hook credentials masked but for Owners, as in the API); only
//! Owners get Save, Delete and Add row, and a post from anyone else is the API's `403`.
//! A save sends the API's JSON body to `use_cases::{create, update}`, so the rules are
//! the API's, and a `422` comes back as the form, as typed, with each error beside its
//! field. Another organization's use case is the same `404` page as an unknown id.

use super::controls::{ADD_ROW, Controls, Done, Posted, Problem, field_errors};
use super::use_case_form::{ListRows, blank, compact_all, from_stored, to_json};
use super::use_case_view::UseCaseFields;
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::form::{Checked, Empty};
use crate::web::session::Reviewer;
use crate::web::view::{Choice, Me, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use switchyard_core::UseCaseId;
use switchyard_core::enums::{AmdBehavior, FieldType, Language, Role};
use switchyard_service::json::from_value;
use switchyard_service::{FieldError, ServiceError, prompts, use_cases};

const LIST: &str = "/settings/use-cases";

#[derive(Template)]
#[template(path = "settings_use_cases.html")]
struct ListPage {
    me: Option<Me>,
    can_edit: bool,
    notice: Option<String>,
    rows: Vec<ListRow>,
}

struct ListRow {
    id: String,
    name: String,
    language: String,
    model: String,
    hooks: usize,
    hours: String,
    hidden: bool,
}

#[derive(Template)]
#[template(path = "settings_use_case.html")]
struct FormPage {
    me: Option<Me>,
    can_edit: bool,
    notice: Option<String>,
    /// `None` for a new use case.
    id: Option<String>,
    title: String,
    problems: Vec<Problem>,
    f: UseCaseFields,
    languages: Vec<&'static str>,
    amd_behaviors: Vec<&'static str>,
    field_types: Vec<&'static str>,
    prompts: Vec<Choice>,
}

/// `GET /settings/use-cases`.
pub async fn list(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let use_cases = use_cases::list(&state.services, &reviewer.caller).await?;
    let rows = use_cases
        .into_iter()
        .map(|u| ListRow {
            id: u.id.to_string(),
            language: u.language.to_string(),
            model: u.model,
            hooks: u.hooks.len(),
            hours: match (&u.work_start, &u.work_end) {
                _ if u.enable_detailed_work_hours => "by day".to_owned(),
                (Some(start), Some(end)) => format!("{start}–{end}"),
                _ => "any time".to_owned(),
            } + &u.timezone.map(|tz| format!(" {tz}")).unwrap_or_default(),
            hidden: u.hidden,
            name: u.name,
        })
        .collect();
    let page = ListPage {
        can_edit: reviewer.caller.role >= Role::Owner,
        me: Some(reviewer.me()),
        notice: done.notice("Use case"),
        rows,
    };
    Ok(render(&page).into_response())
}

/// `GET /settings/use-cases/new`: Owners only, as creating is.
pub async fn new_form(
    State(state): State<AppState>,
    reviewer: Reviewer,
) -> Result<Response, WebError> {
    reviewer.caller.require(Role::Owner)?;
    let mut posted = blank();
    let rows = compact_all(&mut posted, None);
    form_page(&state, &reviewer, &posted, Shown::new(None, rows)).await
}

/// `POST /settings/use-cases/new`: creates the use case, or shows the form again (one
/// more row, or the API's errors).
pub async fn create(
    State(state): State<AppState>,
    checked: Checked<Posted>,
) -> Result<Response, WebError> {
    let Checked {
        reviewer, mut form, ..
    } = checked;
    let caller = &reviewer.caller;
    let add = form.remove(ADD_ROW);
    let rows = compact_all(&mut form, add.as_deref());
    let mut shown = Shown::new(None, rows);
    if add.is_some() {
        caller.require(Role::Owner)?;
    } else {
        let created = match from_value(Value::Object(to_json(&form, &rows)), "") {
            Ok(body) => use_cases::create(&state.services, caller, body).await,
            Err(error) => Err(ServiceError::invalid(vec![error])),
        };
        match created {
            Ok(created) => {
                let to = format!("{LIST}/{}?done=created", created.id);
                return Ok(Redirect::to(&to).into_response());
            }
            Err(error) => shown.errors = field_errors(error)?,
        }
    }
    form_page(&state, &reviewer, &form, shown).await
}

/// `GET /settings/use-cases/{id}`.
pub async fn edit(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let id = use_case_id(&id)?;
    let stored = use_cases::get(&state.services, &reviewer.caller, id).await?;
    let mut posted = from_stored(&stored);
    let rows = compact_all(&mut posted, None);
    let mut shown = Shown::new(Some((id, stored.name)), rows);
    shown.notice = done.notice("Use case");
    form_page(&state, &reviewer, &posted, shown).await
}

/// `POST /settings/use-cases/{id}`: saves the whole form over the use case (a `PATCH` of
/// every field), or shows it again.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    checked: Checked<Posted>,
) -> Result<Response, WebError> {
    let Checked {
        reviewer, mut form, ..
    } = checked;
    let caller = &reviewer.caller;
    let id = use_case_id(&id)?;
    let add = form.remove(ADD_ROW);
    let rows = compact_all(&mut form, add.as_deref());
    let mut errors = Vec::new();
    if add.is_some() {
        caller.require(Role::Owner)?;
    } else {
        let patch = to_json(&form, &rows);
        match use_cases::update(&state.services, caller, id, patch).await {
            Ok(_) => return Ok(Redirect::to(&format!("{LIST}/{id}?done=saved")).into_response()),
            Err(error) => errors = field_errors(error)?,
        }
    }
    // Also what answers another organization's id when adding a row: its 404.
    let stored = use_cases::get(&state.services, caller, id).await?;
    let mut shown = Shown::new(Some((id, stored.name)), rows);
    shown.errors = errors;
    form_page(&state, &reviewer, &form, shown).await
}

/// `POST /settings/use-cases/{id}/delete`: refused (`409` page, the API's message) while
/// calls of it are pending or a number routes to it.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    checked: Checked<Empty>,
) -> Result<Response, WebError> {
    let id = use_case_id(&id)?;
    use_cases::delete(&state.services, &checked.reviewer.caller, id).await?;
    Ok(Redirect::to(&format!("{LIST}?done=deleted")).into_response())
}

fn use_case_id(raw: &str) -> Result<UseCaseId, WebError> {
    raw.parse()
        .map_err(|_| WebError::Service(ServiceError::not_found("use case")))
}

/// What the form page shows besides the fields.
struct Shown {
    /// The stored use case's id and name; `None` for a new one.
    stored: Option<(UseCaseId, String)>,
    rows: ListRows,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

impl Shown {
    fn new(stored: Option<(UseCaseId, String)>, rows: ListRows) -> Shown {
        Shown {
            stored,
            rows,
            errors: Vec::new(),
            notice: None,
        }
    }
}

/// The form page; `422` when it shows errors.
async fn form_page(
    state: &AppState,
    reviewer: &Reviewer,
    posted: &Posted,
    shown: Shown,
) -> Result<Response, WebError> {
    let prompts = prompts::list(&state.services, &reviewer.caller).await?;
    let controls = Controls::new(posted, &shown.errors);
    let f = UseCaseFields::new(&controls, &shown.rows);
    let page = FormPage {
        me: Some(reviewer.me()),
        can_edit: reviewer.caller.role >= Role::Owner,
        notice: shown.notice,
        id: shown.stored.as_ref().map(|(id, _)| id.to_string()),
        title: shown
            .stored
            .as_ref()
            .map_or("New use case".to_owned(), |(_, name)| {
                format!("Use case: {name}")
            }),
        problems: controls.summary(),
        prompts: Choice::list(
            prompts
                .iter()
                .map(|p| (p.id.to_string(), format!("{} ({})", p.name, p.id))),
            Some(f.default_prompt_id.value.as_str()),
        ),
        f,
        languages: Language::ALL.iter().map(|l| l.as_str()).collect(),
        amd_behaviors: AmdBehavior::ALL.iter().map(|b| b.as_str()).collect(),
        field_types: FieldType::ALL.iter().map(|t| t.as_str()).collect(),
    };
    let status = if shown.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}
