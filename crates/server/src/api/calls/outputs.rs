//! What the engine produced for a call: its transcript, its logs and a link to its
//! recording. Everyone who can read the call can read these.

use crate::api::auth::Authenticated;
use crate::api::openapi::Unprocessable;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::HOST;
use serde::{Deserialize, Serialize};
use switchyard_core::call_log::LogEntry;
use switchyard_core::id::kind;
use switchyard_core::transcript::Transcript;
use switchyard_core::{CallId, Timestamp};
use switchyard_service::calls::outputs;

/// What was said on a call.
///
/// Message offsets are seconds from `start_time`, the moment the call was answered.
#[utoipa::path(
    get,
    path = "/calls/{id}/transcript",
    operation_id = "get_transcript",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The transcript", body = Transcript),
        (status = 404, description = "No such call in your organization, or it has no transcript yet (it has not been answered and ended)", body = ErrorBody),
    )
)]
pub async fn transcript(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<Json<Transcript>> {
    Ok(Json(
        outputs::transcript(&state.services, &caller, id).await?,
    ))
}

/// Every step of a call, oldest first.
///
/// Status changes, provider events, scheduling, analysis, recording, webhook attempts and
/// campaign retries, numbered from 1.
#[utoipa::path(
    get,
    path = "/calls/{id}/logs",
    operation_id = "get_logs",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The call's log lines", body = Vec<LogEntry>),
        (status = 404, description = "No such call in your organization", body = ErrorBody),
    )
)]
pub async fn logs(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Call>,
) -> ApiResult<Json<Vec<LogEntry>>> {
    Ok(Json(outputs::logs(&state.services, &caller, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// How long the link works, 1 to 604800 seconds (7 days; default 3600).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 604800)]
    expires_in_secs: Option<String>,
}

/// A link to a call's recording (WAV) that works without the API key until it expires.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordingLink {
    url: String,
    expires_at: Timestamp,
}

/// A signed link to a call's recording.
#[utoipa::path(
    get,
    path = "/calls/{id}/recording",
    operation_id = "get_recording_link",
    tag = "Calls",
    params(("id" = CallId, Path, description = "The call's id"), LinkQuery),
    responses(
        (status = 200, description = "The link", body = RecordingLink),
        (status = 404, description = "No such call in your organization, or it has no recording (not answered, or not ended yet)", body = ErrorBody),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn recording(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Call>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<LinkQuery>,
) -> ApiResult<Json<RecordingLink>> {
    let expires_in = query.expires_in_secs.as_deref();
    let (path, expires_at) =
        outputs::recording_link(&state.services, &caller, id, expires_in).await?;
    Ok(Json(RecordingLink {
        url: format!("{}{path}", public_base(&state, &headers)?),
        expires_at,
    }))
}

/// The configured public URL, else the host the client reached us at. That host goes into
/// a link as it is, so it must be a host name or IP address with an optional port (`400`
/// otherwise). A deployment reached through a proxy or by several names sets
/// `--public-url` (docs/OPERATIONS.md).
fn public_base(state: &AppState, headers: &HeaderMap) -> ApiResult<String> {
    if let Some(url) = &state.http.public_url {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let Some(host) = headers.get(HOST) else {
        return Ok("http://127.0.0.1".to_owned());
    };
    let host = host
        .to_str()
        .ok()
        .filter(|host| is_host_and_port(host))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "the `host` header is not a host name or address with an optional port".to_owned(),
            )
        })?;
    Ok(format!("http://{host}"))
}

/// `name`, `name:port`, `1.2.3.4:port` or `[::1]:port`, where a name is made of letters,
/// digits, `-` and `.`.
fn is_host_and_port(text: &str) -> bool {
    let (host_ok, port) = match text.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((ip, rest)) => (ip.parse::<std::net::Ipv6Addr>().is_ok(), rest),
            None => return false,
        },
        None => {
            let end = text.find(':').unwrap_or(text.len());
            let name = &text[..end];
            let name_ok = !name.is_empty()
                && name.len() <= 253
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            (name_ok, &text[end..])
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|port| {
            port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok()
        });
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::is_host_and_port;

    #[test]
    fn only_hosts_and_ports_make_links() {
        for good in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "calls.example.com",
            "calls.example.com:443",
            "[::1]:8080",
            "[2001:db8::1]",
            "localhost",
        ] {
            assert!(is_host_and_port(good), "{good}");
        }
        for bad in [
            "evil.example\"><x",
            "evil.example/path",
            "user@evil.example",
            "evil.example:99999",
            "evil.example:80:80",
            "::1",
            "[::1",
            "[nope]:80",
            "",
            ":80",
            "a b",
            "evil.example:",
            "evil.example:+80",
        ] {
            assert!(!is_host_and_port(bad), "{bad}");
        }
    }
}
