//! Failures of a page or form action, shown as an HTML page with the API's status and
//! message (a `404` for another organization's call, a `403` for a missing role, a `422`
//! that says which field is wrong). A request without a session goes to the sign-in page.

use super::view::render;
use crate::error::ApiError;
use askama::Template;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use switchyard_core::store::StoreError;
use switchyard_service::ServiceError;

#[derive(Debug)]
pub enum WebError {
    /// No session, or it expired: sign in, then come back to `next`.
    SignIn { next: String, htmx: bool },
    /// The form's CSRF token is missing or not the session's.
    Csrf,
    /// The request itself could not be read (a form over the body limit, not a form).
    Unreadable(StatusCode, String),
    /// What the service refused.
    Service(ServiceError),
}

impl From<ServiceError> for WebError {
    fn from(error: ServiceError) -> WebError {
        WebError::Service(error)
    }
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> WebError {
        WebError::Service(error.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    me: Option<super::view::Me>,
    status: u16,
    title: &'static str,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            WebError::SignIn { next, htmx } => {
                let to = format!("/signin?next={}", urlencode(&next));
                if htmx {
                    // htmx follows this header with a full page load.
                    let mut response = StatusCode::UNAUTHORIZED.into_response();
                    if let Ok(value) = HeaderValue::from_str(&to) {
                        response.headers_mut().insert("hx-redirect", value);
                    }
                    return response;
                }
                return Redirect::to(&to).into_response();
            }
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from this app: reload the page and try again."
                    .to_owned(),
            ),
            WebError::Unreadable(status, message) => (status, message),
            WebError::Service(ServiceError::Internal(source)) => {
                // Logged once, by the server's error type; the page stays opaque.
                let _ = ApiError::Internal(source).into_response();
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on the server; its log has the details.".to_owned(),
                )
            }
            WebError::Service(error) => {
                // The same status as the API's for the same refusal.
                let error = ApiError::from(error);
                (error.status(), error.to_string())
            }
        };
        let title = status.canonical_reason().unwrap_or("Error");
        let page = ErrorPage {
            me: None,
            status: status.as_u16(),
            title,
            message,
        };
        (status, render(&page)).into_response()
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
