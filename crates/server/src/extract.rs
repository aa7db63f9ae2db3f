//! Extractors that turn bad input into the contract's statuses: a body that is not JSON
//! (`415`), JSON that does not parse (`400`), JSON that breaks a rule (`422` naming the
//! field), a body over the limit (`413`), a path id that is not 24 hex characters (`400`).

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use switchyard_core::id::{Id, Kind};
use switchyard_service::json::{NUL_MESSAGE, parse_json};

/// A JSON request body.
pub struct ApiJson<T>(pub T);

/// A JSON request body that may be absent: an empty body, or `null`, reads as `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (is_json, bytes) = read_body(req, state).await?;
        if !is_json {
            return Err(not_json());
        }
        Ok(ApiJson(parse_json(&bytes)?))
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (is_json, bytes) = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if !is_json {
            return Err(not_json());
        }
        match parse_json::<Option<T>>(&bytes).map_err(ApiError::from)? {
            Some(body) => Ok(OptionalJson(body)),
            None => Ok(OptionalJson(T::default())),
        }
    }
}

/// The raw body of a JSON request, for handlers that parse it piece by piece (batched dial
/// reports every bad item) or hash it (`Idempotency-Key`).
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (is_json, bytes) = read_body(req, state).await?;
        if !is_json {
            return Err(not_json());
        }
        Ok(JsonBytes(bytes))
    }
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<(bool, Bytes), ApiError> {
    let is_json = is_json_content_type(req.headers());
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(
                "the request body is larger than this endpoint accepts".to_owned(),
            )
        } else {
            ApiError::BadRequest(format!("could not read the request body: {rejection}"))
        }
    })?;
    Ok((is_json, bytes))
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn not_json() -> ApiError {
    ApiError::UnsupportedMediaType(
        "send the body as JSON with the header `content-type: application/json`".to_owned(),
    )
}

/// A query string. Every parameter is read as text and checked by the handler, so the only
/// ways to fail here are a parameter given twice and a NUL character: a `422` naming it.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        if let Some((name, _)) = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        {
            return Err(ApiError::invalid_field(&name, NUL_MESSAGE));
        }
        Query::try_from_uri(&parts.uri)
            .map(|Query(query)| ApiQuery(query))
            .map_err(|rejection| {
                let message = rejection.body_text();
                let field = message
                    .split('`')
                    .nth(1)
                    .filter(|name| !name.is_empty())
                    .unwrap_or("query");
                let reason = message
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&message);
                ApiError::invalid_field(field, format!("cannot read the query string: {reason}"))
            })
    }
}

/// One id in the path (`/calls/{id}`), of the kind the handler names (`PathId<kind::Call>`).
pub struct PathId<K: Kind>(pub Id<K>);

/// Two ids in the path (`/calls/{id}/notes/{noteId}`).
pub struct PathIds<A: Kind, B: Kind>(pub Id<A>, pub Id<B>);

impl<S: Send + Sync, K: Kind> FromRequestParts<S> for PathId<K> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        parse_path_id(&raw).map(PathId)
    }
}

impl<S: Send + Sync, A: Kind, B: Kind> FromRequestParts<S> for PathIds<A, B> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        Ok(PathIds(parse_path_id(&a)?, parse_path_id(&b)?))
    }
}

fn parse_path_id<K: Kind>(raw: &str) -> Result<Id<K>, ApiError> {
    raw.parse()
        .map_err(|e: switchyard_core::id::MalformedId| ApiError::BadRequest(e.to_string()))
}
