//! Hooks are where webhooks go, with headers that often carry credentials. They are
//! checked when the use case is written, so that a mistake surfaces then and not at call
//! time: their number and size are bounded (one call fans out to every hook, and each
//! delivery is retried), and each URL must lead somewhere the SSRF guard lets webhooks go.

use crate::validate::Errors;
use crate::{FieldError, ServiceError, Services};
use switchyard_core::use_case::Hook;
use switchyard_engine::webhooks::sender::{is_header_name, is_header_value};

/// Hooks per use case: each call sends each event to every hook.
pub const MAX_HOOKS: usize = 10;
/// Headers per hook.
pub const MAX_HEADERS: usize = 20;
/// Longest header name, in bytes.
pub const MAX_HEADER_NAME_BYTES: usize = 256;
/// Longest header value, in bytes.
pub const MAX_HEADER_VALUE_BYTES: usize = 4096;
/// Longest URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// Absolute http(s) URLs and valid headers, within the limits above.
pub fn check_shape(hooks: &[Hook], errors: &mut Errors) {
    if hooks.len() > MAX_HOOKS {
        errors.push(
            "hooks",
            format!(
                "at most {MAX_HOOKS} hooks per use case (got {})",
                hooks.len()
            ),
        );
        return;
    }
    for (i, hook) in hooks.iter().enumerate() {
        check_url(&format!("hooks[{i}].url"), &hook.url, errors);
        if hook.headers.len() > MAX_HEADERS {
            errors.push(
                format!("hooks[{i}].headers"),
                format!(
                    "at most {MAX_HEADERS} headers per hook (got {})",
                    hook.headers.len()
                ),
            );
            continue;
        }
        for (j, header) in hook.headers.iter().enumerate() {
            let at = |part: &str| format!("hooks[{i}].headers[{j}].{part}");
            check_header(&at, &header.key, &header.value, errors);
        }
    }
}

/// A header name and value an HTTP request can carry, within the limits above; `at` names
/// the part (`key`, `value`) where the error is reported.
pub(crate) fn check_header(
    at: &dyn Fn(&str) -> String,
    key: &str,
    value: &str,
    errors: &mut Errors,
) {
    if key.len() > MAX_HEADER_NAME_BYTES {
        errors.push(at("key"), format!("at most {MAX_HEADER_NAME_BYTES} bytes"));
    } else if !is_header_name(key) {
        errors.push(at("key"), format!("`{key}` is not an HTTP header name"));
    }
    if value.len() > MAX_HEADER_VALUE_BYTES {
        errors.push(
            at("value"),
            format!("at most {MAX_HEADER_VALUE_BYTES} bytes"),
        );
    } else if !is_header_value(value) {
        errors.push(
            at("value"),
            "must be visible ASCII text without line breaks",
        );
    }
}

/// An absolute http(s) URL of at most [`MAX_URL_BYTES`].
pub(crate) fn check_url(field: &str, url: &str, errors: &mut Errors) {
    if url.len() > MAX_URL_BYTES {
        errors.push(field, format!("at most {MAX_URL_BYTES} bytes"));
        return;
    }
    let usable = url::Url::parse(url)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !usable {
        errors.push(field, format!("`{url}` is not an absolute http(s) URL"));
    }
}

/// Every hook's URL must resolve, now, to an address webhooks may reach (a public one,
/// unless `--allow-private-webhooks` or `--webhook-allow-list` says otherwise); a `422`
/// names each one that does not, with the same words whatever the reason.
pub async fn check_destinations(services: &Services, hooks: &[Hook]) -> Result<(), ServiceError> {
    let mut refused = Vec::new();
    for (i, hook) in hooks.iter().enumerate() {
        refused.extend(refusal(services, &format!("hooks[{i}].url"), &hook.url).await);
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::invalid(refused))
    }
}

/// Why the SSRF guard refuses `url` as a destination, as an error on `field`; nothing for
/// a URL it lets through or one that does not parse (its shape is reported elsewhere).
pub(crate) async fn refusal(services: &Services, field: &str, url: &str) -> Option<FieldError> {
    let url = url::Url::parse(url).ok()?;
    let refused = services
        .engine
        .destination_guard()
        .check_destination(&url)
        .await;
    refused
        .err()
        .map(|refusal| FieldError::new(field, refusal.to_string()))
}
