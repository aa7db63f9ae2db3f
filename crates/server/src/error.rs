//! The one error type at the HTTP boundary. Every failure becomes the contract's JSON body
//! `{"message": ...}` (plus `errors` for a 422). Internal errors are logged once, here, with
//! their cause chain, and the client sees only an opaque message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
pub use switchyard_service::FieldError;
use switchyard_service::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{message}")]
    Unprocessable {
        message: String,
        errors: Vec<FieldError>,
    },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A 422 on one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> ApiError {
        ServiceError::invalid_field(field, message).into()
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The service's refusals, as the statuses of the contract.
impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        match error {
            ServiceError::Malformed(message) => ApiError::BadRequest(message),
            ServiceError::Unauthenticated(message) => ApiError::Unauthorized(message),
            ServiceError::Forbidden(message) => ApiError::Forbidden(message),
            ServiceError::NotFound(message) => ApiError::NotFound(message),
            ServiceError::Conflict(message) => ApiError::Conflict(message),
            ServiceError::Invalid { message, errors } => {
                ApiError::Unprocessable { message, errors }
            }
            ServiceError::Unavailable(message) => ApiError::Unavailable(message),
            ServiceError::Internal(source) => ApiError::Internal(source),
        }
    }
}

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong and how to fix it.
    message: String,
    /// Only on a `422`: every field that breaks a rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    errors: Option<Vec<FieldError>>,
}

impl ErrorBody {
    /// A body with a message and no field errors.
    pub fn new(message: String) -> ErrorBody {
        ErrorBody {
            message,
            errors: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (message, errors) = match self {
            ApiError::Internal(source) => {
                tracing::error!(error = %display_chain(source.as_ref()), "request failed");
                (
                    "internal server error; the server log has the details".to_owned(),
                    None,
                )
            }
            ApiError::Unprocessable { message, errors } => (message, Some(errors)),
            other => (other.to_string(), None),
        };
        (status, axum::Json(ErrorBody { message, errors })).into_response()
    }
}

fn display_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
