//! `/settings/members`: who is in the organization and with which role; Owners add a
//! member, change a role, remove a member. The same functions as `/api/v1/org/members`:
//! the store refuses to leave the organization without an Owner, and the page shows why.

use super::field_errors::FieldErrors;
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::form::Checked;
use crate::web::session::Reviewer;
use crate::web::view::{Choice, Me, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use switchyard_core::enums::Role;
use switchyard_service::org::{self, MemberIn, MemberRef};
use switchyard_service::{ServiceError, ServiceResult};

#[derive(Template)]
#[template(path = "settings_members.html")]
struct MembersPage {
    me: Option<Me>,
    owner: bool,
    csrf: String,
    members: Vec<MemberRow>,
    /// The add form, as sent when it was refused.
    email: String,
    roles: Vec<Choice>,
    email_error: Option<String>,
    role_error: Option<String>,
    /// A refusal of the whole change (the last Owner).
    error: Option<String>,
}

struct MemberRow {
    email: String,
    role: &'static str,
    roles: Vec<Choice>,
    is_me: bool,
}

/// The roles as a select's options, `current` selected.
pub(super) fn role_choices(current: &str) -> Vec<Choice> {
    Choice::list(
        [Role::Viewer, Role::Representative, Role::Owner]
            .map(|role| (role.to_string(), role.to_string())),
        Some(current),
    )
}

/// `GET /settings/members`: everyone in the organization reads.
pub async fn page(State(state): State<AppState>, reviewer: Reviewer) -> Result<Response, WebError> {
    members_page(
        &state,
        &reviewer,
        MemberForm::default(),
        FieldErrors::default(),
    )
    .await
}

async fn members_page(
    state: &AppState,
    reviewer: &Reviewer,
    form: MemberForm,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let organization = org::get(&state.services, &reviewer.caller).await?;
    let me = reviewer.me();
    let members = organization
        .members()
        .iter()
        .map(|member| MemberRow {
            email: member.email.clone(),
            role: member.role.as_str(),
            roles: role_choices(member.role.as_str()),
            is_me: member.email == me.email,
        })
        .collect();
    let role = if form.role.is_empty() {
        Role::Viewer.as_str()
    } else {
        &form.role
    };
    let page = MembersPage {
        owner: me.is_owner,
        csrf: me.csrf.clone(),
        members,
        roles: role_choices(role),
        email_error: errors.get("email").map(str::to_owned),
        role_error: errors.get("role").map(str::to_owned),
        error: errors.general.clone(),
        email: form.email,
        me: Some(me),
    };
    let status = errors.status.unwrap_or(StatusCode::OK);
    Ok((status, render(&page)).into_response())
}

#[derive(Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// The form's values as the API's body.
fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> ServiceResult<T> {
    serde_json::from_value(value).map_err(|e| ServiceError::invalid_field("body", e.to_string()))
}

/// What a change answered: back to the page, or the page again with the refusal.
async fn answered<T>(
    state: &AppState,
    reviewer: &Reviewer,
    form: MemberForm,
    result: ServiceResult<T>,
) -> Result<Response, WebError> {
    match result {
        Ok(_) => Ok(Redirect::to("/settings/members").into_response()),
        Err(error) => {
            let errors = FieldErrors::from_service(error)?;
            members_page(state, reviewer, form, errors).await
        }
    }
}

/// `POST /settings/members`: adds a member, or changes a member's role.
pub async fn upsert(
    State(state): State<AppState>,
    checked: Checked<MemberForm>,
) -> Result<Response, WebError> {
    let form = checked.form;
    let sent: MemberIn = body(json!({"email": form.email.trim(), "role": form.role}))?;
    let result = org::upsert_member(&state.services, &checked.reviewer.caller, sent).await;
    answered(&state, &checked.reviewer, form, result).await
}

/// `POST /settings/members/remove`: the member's keys stop working.
pub async fn remove(
    State(state): State<AppState>,
    checked: Checked<MemberForm>,
) -> Result<Response, WebError> {
    let form = checked.form;
    let sent: MemberRef = body(json!({"email": form.email.trim()}))?;
    let result = org::remove_member(&state.services, &checked.reviewer.caller, sent).await;
    // The removed member's form is not the add form: show only the refusal.
    answered(&state, &checked.reviewer, MemberForm::default(), result).await
}
