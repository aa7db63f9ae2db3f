//! `/settings/keys`: the organization's API keys (masked), a key made for a member with a
//! role, whose secret this one answer shows and nothing ever shows again, and revoking a
//! key, which takes effect at once. Owners only, as `keys::{list, create, revoke}` are:
//! other members get the service's `403` page.

use super::field_errors::FieldErrors;
use super::members::role_choices;
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::form::{Checked, Empty};
use crate::web::session::Reviewer;
use crate::web::view::{Choice, Me, render, time};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchyard_core::enums::Role;
use switchyard_service::auth::masked;
use switchyard_service::keys::{self, KeyIn};

#[derive(Template)]
#[template(path = "settings_keys.html")]
struct KeysPage {
    me: Option<Me>,
    csrf: String,
    keys: Vec<KeyRow>,
    /// The key just made: its secret, shown this once.
    created: Option<Created>,
    email: String,
    roles: Vec<Choice>,
    email_error: Option<String>,
    role_error: Option<String>,
    error: Option<String>,
}

struct Created {
    secret: String,
    email: String,
    role: &'static str,
}

struct KeyRow {
    prefix: String,
    masked: String,
    email: String,
    /// The member's role now, or that the member was removed.
    role: &'static str,
    created: String,
    revoked: Option<String>,
    /// The key of this session: revoking it signs this browser out.
    is_mine: bool,
}

#[derive(Default, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// `GET /settings/keys`.
pub async fn page(State(state): State<AppState>, reviewer: Reviewer) -> Result<Response, WebError> {
    keys_page(
        &state,
        &reviewer,
        KeyForm::default(),
        None,
        FieldErrors::default(),
    )
    .await
}

async fn keys_page(
    state: &AppState,
    reviewer: &Reviewer,
    form: KeyForm,
    created: Option<Created>,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let listing = keys::list(&state.services, &reviewer.caller).await?;
    let keys = listing
        .into_iter()
        .map(|listed| KeyRow {
            masked: masked(&listed.key.prefix, &listed.key.last4),
            is_mine: listed.key.prefix == reviewer.caller.key_prefix,
            prefix: listed.key.prefix,
            email: listed.key.member_email,
            role: listed.role.map_or("removed", Role::as_str),
            created: time(listed.key.created_at),
            revoked: listed.revoked_at.map(time),
        })
        .collect();
    let role = Some(form.role.as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or(Role::Viewer.as_str());
    let me = reviewer.me();
    let page = KeysPage {
        csrf: me.csrf.clone(),
        me: Some(me),
        keys,
        created,
        roles: role_choices(role),
        email_error: errors.get("email").map(str::to_owned),
        role_error: errors.get("role").map(str::to_owned),
        error: errors.general.clone(),
        email: form.email,
    };
    let status = errors.status.unwrap_or(StatusCode::OK);
    Ok((status, render(&page)).into_response())
}

/// `POST /settings/keys`: answers the page itself (not a redirect), the only place the new
/// secret ever appears; reloading the list shows it masked like the others.
pub async fn create(
    State(state): State<AppState>,
    checked: Checked<KeyForm>,
) -> Result<Response, WebError> {
    let form = checked.form;
    let sent = KeyIn {
        email: Some(form.email.trim().to_owned()),
        role: Some(form.role.clone()),
    };
    match keys::create(&state.services, &checked.reviewer.caller, sent).await {
        Ok(key) => {
            let created = Created {
                role: role_of(&form.role),
                email: key.record.member_email,
                secret: key.secret,
            };
            let form = KeyForm::default();
            keys_page(
                &state,
                &checked.reviewer,
                form,
                Some(created),
                FieldErrors::default(),
            )
            .await
        }
        Err(error) => {
            let errors = FieldErrors::from_service(error)?;
            keys_page(&state, &checked.reviewer, form, None, errors).await
        }
    }
}

/// The role as its name (the service accepted it, so it parses).
fn role_of(raw: &str) -> &'static str {
    raw.parse::<Role>().map_or("", Role::as_str)
}

/// `POST /settings/keys/{prefix}/revoke`: another organization's prefix is a `404`.
pub async fn revoke(
    State(state): State<AppState>,
    Path(prefix): Path<String>,
    checked: Checked<Empty>,
) -> Result<Response, WebError> {
    keys::revoke(&state.services, &checked.reviewer.caller, &prefix).await?;
    Ok(Redirect::to("/settings/keys").into_response())
}
