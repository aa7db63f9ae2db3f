//! Small parsers shared by the resources: they report a `FieldError` naming the field.

use crate::FieldError;
use switchyard_core::id::{Id, Kind};

/// Emails are compared and stored lowercased.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let valid = match trimmed.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !trimmed.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if valid && trimmed.len() <= 254 {
        Ok(trimmed.to_lowercase())
    } else {
        Err(FieldError::new(
            field,
            format!("`{raw}` is not an email address"),
        ))
    }
}

/// A string of `min..=max` characters after trimming.
pub fn text(field: &str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let count = trimmed.chars().count();
    if (min..=max).contains(&count) {
        Ok(trimmed.to_owned())
    } else {
        Err(FieldError::new(
            field,
            format!("must be {min} to {max} characters long (got {count})"),
        ))
    }
}

/// `HH:MM`, 24-hour.
pub fn clock_time(field: &str, raw: &str) -> Result<String, FieldError> {
    chrono::NaiveTime::parse_from_str(raw, "%H:%M")
        .map(|_| raw.to_owned())
        .map_err(|_| FieldError::new(field, format!("`{raw}` is not a time like 08:30 (HH:MM)")))
}

/// An IANA timezone name such as `America/Chicago`.
pub fn timezone(field: &str, raw: &str) -> Result<chrono_tz::Tz, FieldError> {
    raw.parse::<chrono_tz::Tz>().map_err(|_| {
        FieldError::new(
            field,
            format!("`{raw}` is not an IANA timezone like America/Chicago"),
        )
    })
}

/// Collects field errors so a handler can report all of them at once.
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Keeps the value, or records the error and gives `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was recorded, else the 422.
    pub fn finish(self) -> Result<(), crate::ServiceError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::ServiceError::invalid(self.0))
        }
    }
}

/// An id given in a body or query field.
pub fn parse_field_id<K: Kind>(field: &str, raw: &str) -> Result<Id<K>, FieldError> {
    raw.parse()
        .map_err(|e: switchyard_core::id::MalformedId| FieldError::new(field, e.to_string()))
}
