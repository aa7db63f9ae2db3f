//! `/events`: the signed-in member's organization's call changes as Server-Sent Events
//! (docs/WEB.md "Live updates"), for the list and the call page. Every stream listens to
//! the engine's one broadcast (`switchyard_engine::feed`) and keeps what belongs to the
//! member's organization (and, with `?call=`, to that call): a change costs one
//! serialization however many pages are open.

use super::call::call_id;
use super::error::WebError;
use super::session::Reviewer;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use switchyard_core::{CallId, OrgId, Timestamp};
use switchyard_engine::feed::{Change, Start};
use switchyard_service::calls;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

/// A comment this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE_SECS: u64 = 15;
/// How long a stream trusts its session before it looks again (by the app's clock, when a
/// change is to be sent): a revoked key, a removed member or an expired session stops
/// receiving within this, at one session read per stream per minute at most.
const SESSION_RECHECK_MILLIS: i64 = 60_000;

#[derive(Deserialize)]
pub struct EventsQuery {
    /// Only this call's changes.
    call: Option<String>,
    /// Where the page that opens the stream was rendered (`data-since`): what changed
    /// between the render and the stream's start is sent first.
    since: Option<String>,
}

/// One open stream.
struct Listener {
    receiver: broadcast::Receiver<Change>,
    pending: VecDeque<Event>,
    org: OrgId,
    call: Option<CallId>,
    closed: CancellationToken,
    state: AppState,
    token_hash: String,
    session_checked: Timestamp,
}

impl Listener {
    fn wants(&self, change: &Change) -> bool {
        change.org == self.org && self.call.is_none_or(|call| change.call == call)
    }

    async fn next(&mut self) -> Option<Event> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        loop {
            let received = tokio::select! {
                () = self.closed.cancelled() => return None,
                received = self.receiver.recv() => received,
            };
            match received {
                Ok(change) if self.wants(&change) => {
                    return self.signed_in().await.then(|| event(&change));
                }
                Ok(_) => {}
                // Fell behind: what it missed is gone; the page reads the state again.
                Err(RecvError::Lagged(_)) => return Some(resync()),
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// Whether the session still stands, read again once it was trusted for
    /// `SESSION_RECHECK_MILLIS`. A failed read keeps the stream (and looks again next time).
    async fn signed_in(&mut self) -> bool {
        let now = self.state.services.clock.now();
        if now.millis() - self.session_checked.millis() < SESSION_RECHECK_MILLIS {
            return true;
        }
        let store = &self.state.services.store;
        match store.find_session(&self.token_hash, now).await {
            Ok(Some(_)) => {
                self.session_checked = now;
                true
            }
            Ok(None) => false,
            Err(error) => {
                tracing::warn!(%error, "events: the session could not be read again");
                true
            }
        }
    }
}

fn event(change: &Change) -> Event {
    Event::default()
        .event(change.kind)
        .id(&change.id)
        .data(&change.data)
}

fn resync() -> Event {
    Event::default().event("resync").data("{}")
}

/// `GET /events[?call=<id>][&since=<position>]`. Without a session: `401` (an
/// `EventSource` cannot follow a sign-in redirect).
pub async fn stream(
    State(state): State<AppState>,
    reviewer: Result<Reviewer, WebError>,
    headers: HeaderMap,
    Query(query): Query<EventsQuery>,
) -> Result<Response, WebError> {
    let reviewer = match reviewer {
        Ok(reviewer) => reviewer,
        Err(WebError::SignIn { .. }) => {
            return Ok((StatusCode::UNAUTHORIZED, "sign in first\n").into_response());
        }
        Err(other) => return Err(other),
    };
    let caller = &reviewer.caller;
    let call = match &query.call {
        Some(raw) => {
            let id = call_id(raw)?;
            // Another organization's call is a 404, as everywhere.
            calls::read(&state.services, caller, id).await?;
            Some(id)
        }
        None => None,
    };
    // A reconnecting `EventSource` says where it stopped; a fresh one, where its page was.
    let after = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .or(query.since.as_deref());
    let feed = state.services.feed();
    let (receiver, start) = feed.listen(after);
    let mut listener = Listener {
        receiver,
        pending: VecDeque::new(),
        org: caller.organization_id,
        call,
        closed: feed.closed(),
        session_checked: state.services.clock.now(),
        token_hash: reviewer.token_hash.clone(),
        state: state.clone(),
    };
    match start {
        Start::Backlog(changes) => {
            let missed: Vec<Event> = changes
                .iter()
                .filter(|change| listener.wants(change))
                .map(event)
                .collect();
            listener.pending.extend(missed);
        }
        Start::Resync => listener.pending.push_back(resync()),
    }
    let events = futures_util::stream::unfold(listener, |mut listener| async move {
        let event = listener.next().await?;
        Some((Ok::<_, Infallible>(event), listener))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(KEEP_ALIVE_SECS)))
        .into_response())
}
