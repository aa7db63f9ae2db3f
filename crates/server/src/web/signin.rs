//! The sign-in page (an API key opens a session), and sign-out.

use super::error::WebError;
use super::form::{Checked, Empty, form_rejection};
use super::session::{
    SESSION_COOKIE, SESSION_SECS, SIGNIN_COOKIE, cookie, is_htmx, random_token, set_cookie,
};
use super::view::{Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use switchyard_core::auth::WebSession;
use switchyard_service::ServiceError;
use switchyard_service::auth::{authenticate, hash_key};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    me: Option<Me>,
    next: String,
    token: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in: only a path of this site, made of the characters a URL's
/// path and query may hold as they are (letters, digits, `-._~!$&'()*+,;=:@/?%`), and not
/// starting `//` (another origin); anything else goes to `/`. Browsers drop tabs and
/// newlines from a `Location` (so `/<TAB>/evil.example/` reads as `//evil.example/`), and
/// a control character cannot go into a header at all.
fn local_path(next: Option<&str>) -> String {
    let safe = |path: &str| {
        path.starts_with('/')
            && !path.starts_with("//")
            && path.len() <= 2048
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b))
    };
    match next {
        Some(path) if safe(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

fn sign_in_page(
    state: &AppState,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let token = random_token();
    let page = SignInPage {
        me: None,
        next,
        token: token.clone(),
        error,
    };
    let cookie = set_cookie(state, SIGNIN_COOKIE, &token, "/signin", 3600);
    (status, [(SET_COOKIE, cookie)], render(&page)).into_response()
}

/// `GET /signin`.
pub async fn form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Response {
    sign_in_page(
        &state,
        local_path(query.next.as_deref()),
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    key: String,
    next: Option<String>,
    token: String,
}

/// `POST /signin`: checks the key exactly as the API does, then opens a session.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(form_rejection)?;
    let expected = cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(form.token.as_bytes())) {
        return Err(WebError::Csrf);
    }
    let next = local_path(form.next.as_deref());
    let caller = match authenticate(&state.services, form.key.trim()).await {
        Ok(caller) => caller,
        Err(ServiceError::Unauthenticated(_)) => {
            let error = "That API key is not valid, or it has been revoked.".to_owned();
            return Ok(sign_in_page(
                &state,
                next,
                Some(error),
                StatusCode::UNAUTHORIZED,
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let token = random_token();
    let now = state.services.clock.now();
    let session = WebSession {
        token_hash: hash_key(&token),
        organization_id: caller.organization_id,
        key_prefix: caller.key_prefix.clone(),
        csrf_token: random_token(),
        created_at: now,
        expires_at: now.plus_seconds(SESSION_SECS),
    };
    state.services.store.create_session(&session).await?;
    tracing::info!(member = %caller.email, "review app: signed in");
    let mut response = Redirect::to(&next).into_response();
    let headers = response.headers_mut();
    for value in [
        set_cookie(&state, SESSION_COOKIE, &token, "/", SESSION_SECS),
        set_cookie(&state, SIGNIN_COOKIE, "", "/signin", 0),
    ] {
        if let Ok(value) = value.parse() {
            headers.append(SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// `POST /signout`: ends the session in the database and drops the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    checked: Checked<Empty>,
) -> Result<Response, WebError> {
    state
        .services
        .store
        .delete_session(&checked.reviewer.token_hash)
        .await?;
    let mut response = Redirect::to("/signin").into_response();
    if let Ok(value) = set_cookie(&state, SESSION_COOKIE, "", "/", 0).parse() {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    if is_htmx(&checked.headers) {
        // A full page load, so that the cleared cookie and the sign-in page go together.
        if let Ok(value) = "/signin".parse() {
            response.headers_mut().insert("hx-redirect", value);
        }
    }
    Ok(response)
}
