//! What every page shares: the signed-in member as the layout shows it, rendering, and the
//! small formatting rules (times in UTC, durations, status badges, call rows).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
use switchyard_core::enums::Role;
use switchyard_core::lifecycle::CallStatus;
use switchyard_service::auth::Caller;

/// The member in the page header, and what the page may offer them.
pub struct Me {
    pub email: String,
    pub role: &'static str,
    pub csrf: String,
    /// Representatives and Owners: notes, dialing, stop and cancel (as in the API).
    pub can_write: bool,
    /// Owners also delete other members' notes.
    pub is_owner: bool,
}

impl Me {
    pub fn new(caller: &Caller, csrf: &str) -> Me {
        Me {
            email: caller.email.clone(),
            role: caller.role.as_str(),
            csrf: csrf.to_owned(),
            can_write: caller.role >= Role::Representative,
            is_owner: caller.role >= Role::Owner,
        }
    }
}

/// Only this site's own files run, nothing frames the pages (clickjacking), forms post
/// only here, and pages holding call data are not cached.
const PAGE_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("cache-control", "no-store"),
];

pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => (PAGE_HEADERS, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a page template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal server error\n").into_response()
        }
    }
}

/// `2024-01-01 12:00:05` (UTC, as the page says).
pub fn time(at: Timestamp) -> String {
    at.datetime().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `1m 05s`, or `—` before the call has ended.
pub fn duration(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s >= 60.0 => format!("{}m {:02}s", (s / 60.0) as u64, (s % 60.0) as u64),
        Some(s) => format!("{}s", s.round() as u64),
        None => "—".to_owned(),
    }
}

/// `m:ss` from the start of the call.
pub fn offset(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The CSS class of a status badge.
pub fn badge(status: CallStatus) -> &'static str {
    match status {
        CallStatus::Scheduled | CallStatus::Queued => "badge wait",
        CallStatus::Initiated | CallStatus::Ringing | CallStatus::InProgress => "badge live",
        CallStatus::Completed | CallStatus::Transferred => "badge ok",
        CallStatus::Canceled => "badge muted",
        CallStatus::AmdTerminated | CallStatus::Busy | CallStatus::NoAnswer => "badge warn",
        CallStatus::Failed => "badge bad",
    }
}

/// One line of a calls table.
pub struct CallRow {
    pub id: String,
    pub created: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub call_type: &'static str,
    pub from: String,
    pub to: String,
    pub use_case: String,
    pub campaign: Option<String>,
    pub duration: String,
    /// The signed-in member has not opened it yet.
    pub unviewed: bool,
    pub ratings: String,
    pub tags: Vec<String>,
    pub notes: usize,
    /// The call's page (with the list's filters, from the list).
    pub link: String,
}

impl CallRow {
    pub fn new(call: &Call, me: &str) -> CallRow {
        let mut ratings: Vec<&str> = call.ratings.iter().map(|r| r.emoji.as_str()).collect();
        ratings.sort_unstable();
        ratings.dedup();
        CallRow {
            id: call.id.to_string(),
            created: time(call.created),
            status: call.status.as_str(),
            badge: badge(call.status),
            call_type: call.call_type.as_str(),
            from: call.metadata.from.clone(),
            to: call.metadata.to.clone(),
            use_case: call.use_case.name.clone(),
            campaign: call.campaign_id.map(|id| id.to_string()),
            duration: duration(call.duration),
            unviewed: !call.viewed_by.iter().any(|email| email == me),
            ratings: ratings.concat(),
            tags: call.metadata.tags.clone(),
            notes: call.notes.len(),
            link: format!("/calls/{}", call.id),
        }
    }
}

/// An `<option>` of a filter or form select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn list(
        items: impl IntoIterator<Item = (String, String)>,
        current: Option<&str>,
    ) -> Vec<Choice> {
        items
            .into_iter()
            .map(|(value, label)| Choice {
                selected: current == Some(value.as_str()),
                value,
                label,
            })
            .collect()
    }
}
