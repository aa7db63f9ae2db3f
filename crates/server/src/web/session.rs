//! Sign-in with an API key, the session cookie, and sign-out.
//!
//! The cookie holds a random token; the database keeps only its SHA-256 (`web_sessions`),
//! with the key that opened it, a CSRF token and an expiry computed with the app's clock.
//! A session lives as long as its key: the lookup joins the key, so revoking the key (or
//! removing its member) signs its browsers out, and the role is the member's current one.
//! The cookie is `HttpOnly`, `SameSite=Lax`, and `Secure` when `--public-url` is https.

use super::error::WebError;
use super::form::{Checked, form_rejection};
use super::view::{Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequestParts, Query, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use switchyard_core::auth::WebSession;
use switchyard_service::ServiceError;
use switchyard_service::auth::{Caller, authenticate, hash_key};

pub const SESSION_COOKIE: &str = "sy_session";
/// Double-submit token of the sign-in form (against login CSRF).
const SIGNIN_COOKIE: &str = "sy_signin";
/// How long a session lasts after sign-in.
pub const SESSION_SECS: i64 = 12 * 3600;

/// The signed-in member behind a page request.
pub struct Reviewer {
    pub caller: Caller,
    pub csrf: String,
    token_hash: String,
}

impl Reviewer {
    pub fn me(&self) -> Me {
        Me::new(&self.caller, &self.csrf)
    }
}

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let next = if parts.method == Method::GET && !is_htmx(&parts.headers) {
            parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned()
        } else {
            "/".to_owned()
        };
        let sign_in = || WebError::SignIn {
            next: next.clone(),
            htmx: is_htmx(&parts.headers),
        };
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(sign_in)?;
        let token_hash = hash_key(token);
        let (session, owner) = state
            .services
            .store
            .find_session(&token_hash, state.services.clock.now())
            .await?
            .ok_or_else(sign_in)?;
        Ok(Reviewer {
            caller: Caller::from(owner),
            csrf: session.csrf_token,
            token_hash,
        })
    }
}

pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// The value of cookie `name`.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

fn random_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn set_cookie(state: &AppState, name: &str, value: &str, path: &str, max_age: i64) -> String {
    let secure = state
        .http
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"));
    format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

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

#[derive(Deserialize)]
pub struct Empty {}

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
