//! The one error type at the HTTP boundary. Every failure becomes the contract's JSON body
//! `{"message": ...}` (plus `errors` for a 422). Internal errors are logged once, here, with
//! their cause chain, and the client sees only an opaque message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchyard_core::store::StoreError;

/// One field that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Where: `content`, `hooks[0].url`, `[3].phone_number` (item 3 of a batch),
    /// `calls[2].scheduled_time` (row 2 of a campaign), a query parameter's name, or `body`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

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
    /// A 422 naming each field that breaks a rule.
    pub fn invalid(errors: Vec<FieldError>) -> ApiError {
        let message = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!(
                "the request has {} invalid fields; see `errors`",
                many.len()
            ),
        };
        ApiError::Unprocessable { message, errors }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::invalid(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::NotFound(format!(
            "{what} not found: check the id, and that it belongs to your organization"
        ))
    }

    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> ApiError {
        ApiError::Internal(Box::new(error))
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

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(what) => ApiError::not_found(what.as_str()),
            StoreError::Conflict(why) => ApiError::Conflict(why),
            StoreError::IllegalTransition(illegal) => ApiError::Conflict(illegal.to_string()),
            StoreError::Duplicate(what) => ApiError::Conflict(format!("{what} already exists")),
            backend @ StoreError::Backend(_) => ApiError::internal(backend),
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
