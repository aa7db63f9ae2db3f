//! The API's refusals of a settings form, kept for the page that shows the form again:
//! each field's message beside its field (`aria-describedby`), and what belongs to no
//! field (a `409`, such as the last Owner) above the form. Anything else (`403`, `404`)
//! stays an error page.

use crate::web::error::WebError;
use axum::http::StatusCode;
use switchyard_service::ServiceError;

#[derive(Default)]
pub struct FieldErrors {
    pub status: Option<StatusCode>,
    fields: Vec<(String, String)>,
    /// A refusal of the whole form.
    pub general: Option<String>,
}

impl FieldErrors {
    /// The form's errors, or the error page for a refusal that is not about the form.
    pub fn from_service(error: ServiceError) -> Result<FieldErrors, WebError> {
        match error {
            ServiceError::Invalid { errors, .. } => Ok(FieldErrors {
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                fields: errors.into_iter().map(|e| (e.field, e.message)).collect(),
                general: None,
            }),
            ServiceError::Conflict(message) => Ok(FieldErrors {
                status: Some(StatusCode::CONFLICT),
                fields: Vec::new(),
                general: Some(message),
            }),
            other => Err(other.into()),
        }
    }

    /// An error the page itself found (a field that is not a whole number).
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.status = Some(StatusCode::UNPROCESSABLE_ENTITY);
        self.fields.push((field.into(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.status.is_none()
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
    }

    /// Renames fields (the page's rows are not always the API's array indexes).
    pub fn rename(&mut self, rename: impl Fn(&str) -> Option<String>) {
        for (name, _) in &mut self.fields {
            if let Some(new) = rename(name) {
                *name = new;
            }
        }
    }

    /// Messages of fields the form does not show (so none is lost).
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(name, _)| !shown.contains(&name.as_str()))
            .map(|(name, message)| format!("{name}: {message}"))
            .collect()
    }
}
