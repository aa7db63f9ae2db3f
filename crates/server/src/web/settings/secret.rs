//! `/settings/webhook-secret`: the secret that signs the organization's webhooks, masked
//! until an Owner asks to see it (a POST, so that it is never in a GET's history or a
//! cache), and rotated on demand. Owners only, as `GET /api/v1/org/webhook-secret` is:
//! other members get the service's `403` page.

use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::form::{Checked, Empty};
use crate::web::session::Reviewer;
use crate::web::view::{Me, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use switchyard_service::org;

#[derive(Template)]
#[template(path = "settings_secret.html")]
struct SecretPage {
    me: Option<Me>,
    csrf: String,
    /// Shown only in the answer to Reveal or Rotate.
    secret: Option<String>,
    rotated: bool,
    /// Rotate was pressed without ticking its box.
    confirm_error: bool,
}

fn secret_page(reviewer: &Reviewer, secret: Option<String>, rotated: bool) -> Response {
    let me = reviewer.me();
    render(&SecretPage {
        csrf: me.csrf.clone(),
        me: Some(me),
        secret,
        rotated,
        confirm_error: false,
    })
}

/// `GET /settings/webhook-secret`: masked. Asking the service (which makes the secret on
/// first use) keeps the role check the API's.
pub async fn page(State(state): State<AppState>, reviewer: Reviewer) -> Result<Response, WebError> {
    org::webhook_secret(&state.services, &reviewer.caller).await?;
    Ok(secret_page(&reviewer, None, false))
}

/// `POST /settings/webhook-secret/reveal`.
pub async fn reveal(
    State(state): State<AppState>,
    checked: Checked<Empty>,
) -> Result<Response, WebError> {
    let shown = org::webhook_secret(&state.services, &checked.reviewer.caller).await?;
    Ok(secret_page(&checked.reviewer, Some(shown.secret), false))
}

#[derive(serde::Deserialize)]
pub struct RotateForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /settings/webhook-secret/rotate`, once its box is ticked (receivers reject
/// webhooks until they have the new secret): shows the new secret at once.
pub async fn rotate(
    State(state): State<AppState>,
    checked: Checked<RotateForm>,
) -> Result<Response, WebError> {
    let caller = &checked.reviewer.caller;
    if checked.form.confirm != "yes" {
        org::webhook_secret(&state.services, caller).await?;
        let me = checked.reviewer.me();
        let page = SecretPage {
            csrf: me.csrf.clone(),
            me: Some(me),
            secret: None,
            rotated: false,
            confirm_error: true,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let shown = org::rotate_webhook_secret(&state.services, caller).await?;
    Ok(secret_page(&checked.reviewer, Some(shown.secret), true))
}
