//! Reading JSON the way every adapter reports it: a syntax error is `Malformed`, a value
//! that does not fit (or holds a NUL character) is `Invalid` naming the field's path.

use crate::{FieldError, ServiceError};
use serde::de::DeserializeOwned;

/// Parses JSON, telling syntax errors (`Malformed`) from values that do not fit (`Invalid`,
/// with the path of the offending field). Syntax is checked first, on its own, so that a truncated
/// body is always `Malformed` whatever the target type would have said about it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ServiceError::Malformed(format!("the body is not valid JSON: {e}")))?;
    if let Some(at) = nul_at(&value, "") {
        return Err(ServiceError::invalid_field(&at, NUL_MESSAGE));
    }
    from_value(value, "").map_err(|error| ServiceError::invalid(vec![error]))
}

pub const NUL_MESSAGE: &str = "text may not contain NUL (U+0000) characters";

/// Where a string (or an object key) holds a NUL character: PostgreSQL cannot store one, so
/// it is refused at the edge, the same on every backend.
fn nul_at(value: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains('\0') => Some(join_path("", at)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let here = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if key.contains('\0') {
                Some(join_path("", at))
            } else {
                nul_at(item, &here)
            }
        }),
        _ => None,
    }
}

/// Converts an already-parsed JSON value, reporting a misfit under `prefix` (e.g. `[3]`).
pub fn from_value<T: DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let at = error.path().to_string();
        let message = error.into_inner().to_string();
        let path = match missing_field(&message) {
            Some(field) if at == "." || at.is_empty() => join_path(prefix, field),
            Some(field) => join_path(&join_path(prefix, &at), field),
            None => join_path(prefix, &at),
        };
        FieldError::new(path, message)
    })
}

/// serde reports a missing field at the path of the object that lacks it, naming the field
/// only in its message; clients want the field itself in `field`.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn join_path(prefix: &str, path: &str) -> String {
    match (prefix, path) {
        (p, ".") | (p, "") => {
            if p.is_empty() {
                "body".to_owned()
            } else {
                p.to_owned()
            }
        }
        ("", path) => path.to_owned(),
        (p, path) if path.starts_with('[') => format!("{p}{path}"),
        (p, path) => format!("{p}.{path}"),
    }
}
