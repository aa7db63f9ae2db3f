//! `/webhooks`: the organization's webhook deliveries, newest first, 50 a page (by the API's
//! cursor), filtered by call and state, each with its attempts; a Replay button per
//! finished delivery for Representatives and Owners. The same functions as `GET
//! /api/v1/webhooks/deliveries` and its replay: the same roles, masking and organization.

use super::error::{WebError, urlencode};
use super::form::{Checked, Empty};
use super::session::Reviewer;
use super::view::{Choice, Me, render, time};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use switchyard_core::DeliveryId;
use switchyard_core::webhook::DeliveryState;
use switchyard_service::ServiceError;
use switchyard_service::webhooks::query::DeliveryParams;
use switchyard_service::webhooks::{self, AttemptOut, DeliveryOut};

const PAGE_SIZE: &str = "50";

#[derive(Template)]
#[template(path = "webhooks.html")]
struct LedgerPage {
    me: Option<Me>,
    rows: Vec<DeliveryRow>,
    states: Vec<Choice>,
    call_id: String,
    filtered: bool,
    /// The first page, when this is a later one.
    newest: Option<String>,
    older: Option<String>,
}

/// One delivery as a row.
pub struct DeliveryRow {
    pub id: String,
    pub created: String,
    pub call_id: String,
    pub event: String,
    pub url: String,
    pub state: &'static str,
    pub badge: &'static str,
    pub attempts: Vec<AttemptRow>,
    /// Finished, and the member may replay it.
    pub replayable: bool,
}

pub struct AttemptRow {
    pub at: String,
    /// The status, or why no answer came.
    pub outcome: String,
    pub ok: bool,
    pub duration_ms: u64,
    pub excerpt: Option<String>,
}

impl DeliveryRow {
    fn new(delivery: DeliveryOut, can_write: bool) -> DeliveryRow {
        let badge = match delivery.state {
            DeliveryState::Pending => "badge wait",
            DeliveryState::Delivered => "badge ok",
            DeliveryState::Failed => "badge bad",
        };
        DeliveryRow {
            id: delivery.id.to_string(),
            created: time(delivery.created_at),
            call_id: delivery.call_id.to_string(),
            event: format!("{} #{}", delivery.event_type, delivery.sequence),
            url: delivery.url,
            state: delivery.state.as_str(),
            badge,
            attempts: delivery.attempts.into_iter().map(AttemptRow::new).collect(),
            replayable: can_write && delivery.state != DeliveryState::Pending,
        }
    }
}

impl AttemptRow {
    fn new(attempt: AttemptOut) -> AttemptRow {
        let outcome = match (attempt.status, attempt.error) {
            (Some(status), _) => status.to_string(),
            (None, error) => error.unwrap_or_else(|| "no answer".to_owned()),
        };
        AttemptRow {
            at: time(attempt.at),
            ok: attempt.status.is_some_and(|s| (200..300).contains(&s)),
            outcome,
            duration_ms: attempt.duration_ms,
            excerpt: attempt.response_excerpt.filter(|text| !text.is_empty()),
        }
    }
}

/// The query string as sent (read as pairs, so that no query string fails to parse): the
/// API's filters and its cursor, by their API names.
type Raw = Vec<(String, String)>;

/// The first non-blank value of `name`.
fn given(raw: &Raw, name: &str) -> Option<String> {
    raw.iter()
        .find(|(key, value)| key == name && !value.trim().is_empty())
        .map(|(_, value)| value.trim().to_owned())
}

/// `GET /webhooks`.
pub async fn page(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(raw): Query<Raw>,
) -> Result<Response, WebError> {
    let (call_id, current) = (given(&raw, "call_id"), given(&raw, "state"));
    let params = DeliveryParams {
        call_id: call_id.clone(),
        state: current.clone(),
        limit: Some(PAGE_SIZE.to_owned()),
        cursor: given(&raw, "cursor"),
    };
    let page = webhooks::list(&state.services, &reviewer.caller, &params).await?;
    let me = reviewer.me();
    let filters: Vec<String> = [("call_id", &call_id), ("state", &current)]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={}", urlencode(v))))
        .collect();
    let link = |cursor: Option<&str>| {
        let mut parts = filters.clone();
        parts.extend(cursor.map(|c| format!("cursor={}", urlencode(c))));
        if parts.is_empty() {
            "/webhooks".to_owned()
        } else {
            format!("/webhooks?{}", parts.join("&"))
        }
    };
    let rows = page
        .data
        .into_iter()
        .map(|delivery| DeliveryRow::new(delivery, me.can_write))
        .collect();
    Ok(render(&LedgerPage {
        rows,
        states: Choice::list(
            DeliveryState::ALL
                .iter()
                .map(|s| (s.to_string(), s.to_string())),
            current.as_deref(),
        ),
        filtered: !filters.is_empty(),
        call_id: call_id.unwrap_or_default(),
        newest: params.cursor.is_some().then(|| link(None)),
        older: page.next_cursor.as_deref().map(|c| link(Some(c))),
        me: Some(me),
    }))
}

/// `POST /webhooks/{id}/replay`: back to the delivery's call in the ledger, where the
/// replay shows as pending until the engine has made it.
pub async fn replay(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    checked: Checked<Empty>,
) -> Result<Response, WebError> {
    let id: DeliveryId = raw
        .parse()
        .map_err(|_| WebError::Service(ServiceError::not_found("webhook delivery")))?;
    let delivery = webhooks::replay(&state.services, &checked.reviewer.caller, id).await?;
    Ok(Redirect::to(&format!("/webhooks?call_id={}", delivery.call_id)).into_response())
}
