//! `Checked<T>`: a form post from a signed-in member whose CSRF token matches the
//! session's. The token comes in the form's `csrf` field or the `x-csrf-token` header
//! (htmx sends it on every request, from `hx-headers` on `<body>`); either must match,
//! else `403`.

use super::error::WebError;
use super::session::Reviewer;
use crate::state::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;
use switchyard_service::ServiceError;

pub const CSRF_HEADER: &str = "x-csrf-token";
const CSRF_FIELD: &str = "csrf";

/// A form with no fields but the CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct Empty {}

pub struct Checked<T> {
    pub reviewer: Reviewer,
    pub form: T,
    pub headers: HeaderMap,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Checked<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let reviewer = Reviewer::from_request_parts(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let Form(fields) =
            Form::<Vec<(String, String)>>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(form_rejection)?;
        let ours = |token: &str| bool::from(token.as_bytes().ct_eq(reviewer.csrf.as_bytes()));
        let header_ok = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(ours);
        let field_ok = fields
            .iter()
            .any(|(name, value)| name == CSRF_FIELD && ours(value));
        let matches = header_ok || field_ok;
        if !matches {
            return Err(WebError::Csrf);
        }
        // Every field is text, as the form sent it; the handler parses it.
        let map: Map<String, Value> = fields
            .into_iter()
            .filter(|(name, _)| name != CSRF_FIELD)
            .map(|(name, value)| (name, Value::String(value)))
            .collect();
        let form = serde_json::from_value(Value::Object(map))
            .map_err(|e| WebError::Service(ServiceError::invalid_field("form", e.to_string())))?;
        Ok(Checked {
            reviewer,
            form,
            headers,
        })
    }
}

/// A form that cannot be read, with the status its reason deserves: a body over the limit
/// is a `413`, a wrong content type a `415`, anything else a `400`.
pub fn form_rejection(rejection: FormRejection) -> WebError {
    let status = match rejection.status() {
        status @ (StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE) => status,
        _ => StatusCode::BAD_REQUEST,
    };
    WebError::Unreadable(status, rejection.body_text())
}
