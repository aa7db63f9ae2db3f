//! The outbox worker: claim due deliveries, attempt them, record every attempt (in the
//! ledger, with a line in the call's logs). A replay is one attempt, never retried.
//!
//! The claim is committed before any request goes out and each outcome is written in its
//! own transaction afterwards (STYLE 10), so a slow receiver never holds the database. A
//! crash between the two leaves the delivery claimed; when the lease lapses it is sent
//! again under the same `webhook-id`, which receivers use to drop duplicates.

use super::retry;
use super::sender::{AttemptResult, WebhookSender};
use super::sign;
use crate::config::WebhookConfig;
use serde_json::json;
use std::collections::HashMap;
use switchyard_core::call_log::NewLog;
use switchyard_core::run::Lease;
use switchyard_core::store::{EngineScope, Store, StoreError};
use switchyard_core::use_case::masked_url;
use switchyard_core::webhook::{WebhookAttempt, WebhookDelivery, WebhookOutcome};
use switchyard_core::{OrgId, Timestamp};
use tokio::task::JoinSet;

/// Requests in flight at once, so one slow receiver cannot hold up the whole batch and a
/// big batch cannot open hundreds of connections.
const MAX_IN_FLIGHT: usize = 16;

/// When and where the outbox worker works: the deliveries of `scope` due at `now`, signed
/// with the world's time (`signed_at`; receivers check `webhook-timestamp` against their
/// own clock, also when the organization's test clock is elsewhere).
pub struct Due<'a> {
    pub scope: EngineScope,
    pub now: Timestamp,
    pub signed_at: Timestamp,
    pub lease: &'a Lease,
    pub limit: u32,
}

/// Attempts the deliveries due (at most `due.limit`) and records each attempt with its
/// outcome and its log line on the call. Returns how many were attempted.
pub async fn deliver_due(
    store: &dyn Store,
    sender: &WebhookSender,
    config: &WebhookConfig,
    due: Due<'_>,
) -> Result<usize, StoreError> {
    let Due {
        scope,
        now,
        signed_at,
        lease,
        limit,
    } = due;
    let deliveries = store.claim_webhooks(scope, now, lease, limit).await?;
    let attempted = deliveries.len();
    let mut secrets: HashMap<OrgId, String> = HashMap::new();
    let mut waiting = deliveries.into_iter();
    let mut in_flight = JoinSet::new();
    loop {
        while in_flight.len() < MAX_IN_FLIGHT {
            let Some(delivery) = waiting.next() else {
                break;
            };
            let org = delivery.organization_id;
            let secret = match secrets.get(&org) {
                Some(secret) => secret.clone(),
                None => {
                    let secret = store.webhook_secret(org, &sign::generate_secret).await?;
                    secrets.insert(org, secret.clone());
                    secret
                }
            };
            let sender = sender.clone();
            in_flight.spawn(async move {
                let result = sender.send(&delivery, &secret, signed_at).await;
                (delivery, result)
            });
        }
        let Some(joined) = in_flight.join_next().await else {
            break;
        };
        // Tasks are never aborted, so the only join error is a panic: let it go on up.
        let (delivery, result) =
            joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        let outcome = if delivery.replay {
            retry::replay_outcome(&result)
        } else {
            match retry::outcome(
                delivery.attempts,
                &result,
                &config.retry_schedule,
                config.max_retry_after,
                now,
                rand::random(),
            ) {
                WebhookOutcome::Delivered if delivery.duplicate => {
                    WebhookOutcome::SendAgain { at: now }
                }
                outcome => outcome,
            }
        };
        let log = attempt_log(&delivery, &result, &outcome, now);
        tracing::info!(
            delivery_id = %delivery.id,
            call_id = %delivery.call_id,
            attempt = delivery.attempts + 1,
            replay = delivery.replay,
            status = result.status,
            elapsed_ms = result.elapsed_ms,
            delivered = matches!(
                outcome,
                WebhookOutcome::Delivered | WebhookOutcome::SendAgain { .. }
            ),
            "webhook attempt"
        );
        let attempt = WebhookAttempt {
            at: now,
            status: result.status,
            duration_ms: result.elapsed_ms,
            response_excerpt: result.response_excerpt,
            error: result.error,
        };
        store
            .finish_webhook_attempt(&delivery, &outcome, &attempt, &log)
            .await?;
    }
    Ok(attempted)
}

/// The call's log line for one attempt, e.g.
/// `webhook "end" to https://host/path: 500 in 35 ms (attempt 2); next attempt at ...`.
fn attempt_log(
    delivery: &WebhookDelivery,
    result: &AttemptResult,
    outcome: &WebhookOutcome,
    now: Timestamp,
) -> NewLog {
    let attempt = delivery.attempts + 1;
    let replay = if delivery.replay { "replay, " } else { "" };
    let what = match (&result.status, &result.error) {
        (Some(status), _) => format!(": {status} in {} ms", result.elapsed_ms),
        (None, error) => format!(" failed: {}", error.as_deref().unwrap_or("no response")),
    };
    let next_attempt_at = match outcome {
        WebhookOutcome::Retry { retry_at } => Some(*retry_at),
        _ => None,
    };
    let then = match outcome {
        WebhookOutcome::Delivered => String::new(),
        WebhookOutcome::SendAgain { .. } => {
            "; sending it again (sandbox fault: duplicate)".to_owned()
        }
        WebhookOutcome::Retry { retry_at } => format!("; next attempt at {retry_at}"),
        WebhookOutcome::GaveUp => "; giving up".to_owned(),
    };
    let message = format!(
        "webhook {:?} to {}{what} ({replay}attempt {attempt}){then}",
        delivery.event_type,
        short_url(&delivery.url),
    );
    let data = json!({
        // The call's logs are read by every role: no credentials (docs/SECURITY.md).
        "url": masked_url(&delivery.url),
        "event_type": delivery.event_type,
        "attempt": attempt,
        "status": result.status,
        "error": result.error,
        "elapsed_ms": result.elapsed_ms,
        "next_attempt_at": next_attempt_at,
    });
    if matches!(
        outcome,
        WebhookOutcome::Delivered | WebhookOutcome::SendAgain { .. }
    ) {
        NewLog::info(now, "webhook", message, data)
    } else {
        NewLog::warn(now, "webhook", message, data)
    }
}

/// The URL without credentials, query or fragment: short enough for a message line, and
/// free of the tokens that integrators put in query strings.
fn short_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::Id;

    fn delivery(attempts: u32) -> WebhookDelivery {
        let now = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        WebhookDelivery {
            sequence: 1,
            id: Id::new(now),
            organization_id: Id::new(now),
            call_id: Id::new(now),
            event_type: "end".into(),
            url: "https://user:pw@hooks.example.com/in?token=abc#x".into(),
            headers: Vec::new(),
            body: "{}".into(),
            attempts,
            replay: false,
            duplicate: false,
            created_at: now,
        }
    }

    fn result(status: Option<u16>, error: Option<&str>) -> AttemptResult {
        AttemptResult {
            status,
            error: error.map(str::to_owned),
            retry_after: None,
            elapsed_ms: 35,
            response_excerpt: status.map(|_| String::new()),
        }
    }

    #[test]
    fn a_delivery_is_logged_as_info() {
        let now = Timestamp::parse("2024-01-01T00:00:05Z").unwrap();
        let log = attempt_log(
            &delivery(0),
            &result(Some(200), None),
            &WebhookOutcome::Delivered,
            now,
        );
        assert_eq!(log.level, switchyard_core::call_log::LogLevel::Info);
        assert_eq!(log.event, "webhook");
        assert_eq!(
            log.message,
            r#"webhook "end" to https://hooks.example.com/in: 200 in 35 ms (attempt 1)"#
        );
        assert_eq!(log.data["status"], 200);
        assert_eq!(log.data["next_attempt_at"], serde_json::Value::Null);
        // The call's logs are read by every role: the URL keeps no credential.
        assert_eq!(
            log.data["url"],
            "https://user:********@hooks.example.com/in?token=********#x"
        );
    }

    #[test]
    fn a_duplicate_says_it_is_sent_again() {
        let now = Timestamp::parse("2024-01-01T00:00:05Z").unwrap();
        let log = attempt_log(
            &delivery(0),
            &result(Some(200), None),
            &WebhookOutcome::SendAgain { at: now },
            now,
        );
        assert_eq!(log.level, switchyard_core::call_log::LogLevel::Info);
        assert_eq!(
            log.message,
            "webhook \"end\" to https://hooks.example.com/in: 200 in 35 ms (attempt 1); \
             sending it again (sandbox fault: duplicate)"
        );
        assert_eq!(log.data["next_attempt_at"], serde_json::Value::Null);
    }

    #[test]
    fn failures_say_what_comes_next() {
        let now = Timestamp::parse("2024-01-01T00:00:05Z").unwrap();
        let retry_at = Timestamp::parse("2024-01-01T00:00:35Z").unwrap();
        let log = attempt_log(
            &delivery(1),
            &result(None, Some("connection refused")),
            &WebhookOutcome::Retry { retry_at },
            now,
        );
        assert_eq!(log.level, switchyard_core::call_log::LogLevel::Warn);
        assert_eq!(
            log.message,
            "webhook \"end\" to https://hooks.example.com/in failed: connection refused \
             (attempt 2); next attempt at 2024-01-01T00:00:35Z"
        );
        assert_eq!(log.data["attempt"], 2);
        assert_eq!(log.data["error"], "connection refused");
        assert_eq!(log.data["next_attempt_at"], "2024-01-01T00:00:35Z");

        let gone = attempt_log(
            &delivery(0),
            &result(Some(410), None),
            &WebhookOutcome::GaveUp,
            now,
        );
        assert!(
            gone.message
                .ends_with(": 410 in 35 ms (attempt 1); giving up")
        );

        let replayed = attempt_log(
            &WebhookDelivery {
                replay: true,
                ..delivery(3)
            },
            &result(Some(500), None),
            &WebhookOutcome::GaveUp,
            now,
        );
        assert!(
            replayed
                .message
                .ends_with(": 500 in 35 ms (replay, attempt 4); giving up"),
            "{}",
            replayed.message
        );
    }
}
