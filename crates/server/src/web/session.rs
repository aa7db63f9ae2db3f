//! The session behind a page: [`Reviewer`], read from the session cookie, and the cookie
//! helpers the sign-in pages (`signin.rs`) use.
//!
//! The cookie holds a random token; the database keeps only its SHA-256 (`web_sessions`),
//! with the key that opened it, a CSRF token and an expiry computed with the app's clock.
//! A session lives as long as its key: the lookup joins the key, so revoking the key (or
//! removing its member) signs its browsers out, and the role is the member's current one.
//! The cookie is `HttpOnly`, `SameSite=Lax`, and `Secure` when `--public-url` is https.

use super::error::WebError;
use super::view::Me;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use base64::Engine;
use switchyard_service::auth::{Caller, hash_key};

pub const SESSION_COOKIE: &str = "sy_session";
/// Double-submit token of the sign-in form (against login CSRF).
pub const SIGNIN_COOKIE: &str = "sy_signin";
/// How long a session lasts after sign-in.
pub const SESSION_SECS: i64 = 12 * 3600;

/// The signed-in member behind a page request.
pub struct Reviewer {
    pub caller: Caller,
    pub csrf: String,
    pub(super) token_hash: String,
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
pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
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

pub(super) fn random_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub(super) fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
) -> String {
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
