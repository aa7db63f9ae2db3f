//! The API's authentication: the key from the `authorization` header, checked by the
//! service ([`switchyard_service::auth::authenticate`]), and the caller's organization and key
//! prefix (never the key) recorded on the request's span.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use switchyard_service::auth::{Caller, authenticate, bad_key};

/// The member behind the request's key: handlers take `Authenticated(caller)`.
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = authenticate(&state.services, presented_key(parts)?).await?;
        record_on_span(&caller);
        Ok(Authenticated(caller))
    }
}

/// Both fields in one record: the JSON log format re-reads and rewrites a span's fields on
/// every record, and recording the two one by one was a seventh of a `GET /calls/{id}`
/// with JSON logs (bench/README.md).
pub fn record_on_span(caller: &Caller) {
    let span = tracing::Span::current();
    let Some(fields) = span.metadata().map(|metadata| metadata.fields()) else {
        return;
    };
    let (Some(org_field), Some(prefix_field)) =
        (fields.field("org_id"), fields.field("key_prefix"))
    else {
        return;
    };
    let org_id = tracing::field::display(caller.organization_id);
    let prefix = caller.key_prefix.as_str();
    span.record_all(&fields.value_set(&[
        (&org_field, Some(&org_id as &dyn tracing::Value)),
        (&prefix_field, Some(&prefix as &dyn tracing::Value)),
    ]));
}

fn presented_key(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "missing API key: send the header `authorization: Bearer <api key>`".to_owned(),
            )
        })?
        .to_str()
        .map_err(|_| ApiError::from(bad_key()))?
        .trim();
    let key = match header.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return Err(bad_key().into()),
        None => header,
    };
    Ok(key)
}
