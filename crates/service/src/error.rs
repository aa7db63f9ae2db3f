//! What an operation can refuse, in the product's terms. The adapters turn it into their
//! own answer: the HTTP API into a status and the contract's JSON body, the review app into
//! a page, the CLI into a message and an exit code.

use switchyard_core::store::StoreError;

/// One field that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
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
pub enum ServiceError {
    /// The input cannot be read at all (an id that is not one, a malformed key).
    #[error("{0}")]
    Malformed(String),
    /// No key, or not one of ours.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller's role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Refused in the object's current state.
    #[error("{0}")]
    Conflict(String),
    /// Readable input that breaks rules: every field that does.
    #[error("{message}")]
    Invalid {
        message: String,
        errors: Vec<FieldError>,
    },
    /// Something the operation needs is not there right now.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// Every field that breaks a rule.
    pub fn invalid(errors: Vec<FieldError>) -> ServiceError {
        let message = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!(
                "the request has {} invalid fields; see `errors`",
                many.len()
            ),
        };
        ServiceError::Invalid { message, errors }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::invalid(vec![FieldError::new(field, message)])
    }

    /// `what` is unknown in the caller's organization, or another organization's: the
    /// message never says which.
    pub fn not_found(what: &str) -> ServiceError {
        ServiceError::NotFound(format!(
            "{what} not found: check the id, and that it belongs to your organization"
        ))
    }

    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> ServiceError {
        ServiceError::Internal(Box::new(error))
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> ServiceError {
        match error {
            StoreError::NotFound(what) => ServiceError::not_found(what.as_str()),
            StoreError::Conflict(why) => ServiceError::Conflict(why),
            StoreError::IllegalTransition(illegal) => ServiceError::Conflict(illegal.to_string()),
            StoreError::Duplicate(what) => ServiceError::Conflict(format!("{what} already exists")),
            backend @ StoreError::Backend(_) => ServiceError::internal(backend),
        }
    }
}
