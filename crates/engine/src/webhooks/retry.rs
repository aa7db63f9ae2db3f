//! What to do after an attempt: done, try again later, or give up. A replay, asked for by
//! a member, is one attempt: done or given up, never retried.

use super::sender::AttemptResult;
use std::time::Duration;
use switchyard_core::Timestamp;
use switchyard_core::webhook::WebhookOutcome;

/// The largest share of a scheduled wait added as jitter, so receivers that fail together
/// are not retried together.
const MAX_JITTER: f64 = 0.2;

/// The outcome of an attempt made after `attempts_before` others. `schedule[n]` is the wait
/// after the attempt that had `n` before it; `jitter` is a caller's random draw in `0..1`.
pub fn outcome(
    attempts_before: u32,
    result: &AttemptResult,
    schedule: &[Duration],
    max_retry_after: Duration,
    now: Timestamp,
    jitter: f64,
) -> WebhookOutcome {
    match result.status {
        Some(200..=299) => return WebhookOutcome::Delivered,
        // The receiver says the endpoint is gone for good: retrying would only hammer it.
        Some(410) => return WebhookOutcome::GaveUp,
        _ => {}
    }
    let Some(scheduled) = usize::try_from(attempts_before)
        .ok()
        .and_then(|n| schedule.get(n))
    else {
        return WebhookOutcome::GaveUp;
    };
    let scheduled = scheduled.mul_f64(1.0 + MAX_JITTER * jitter.clamp(0.0, 1.0));
    // Retry-After may ask for more patience than the schedule, never less, and never
    // enough to park the delivery for days.
    let wait = match result.retry_after {
        Some(asked) => asked.min(max_retry_after).max(scheduled),
        None => scheduled,
    };
    let wait_ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
    WebhookOutcome::Retry {
        retry_at: Timestamp::from_millis(now.millis().saturating_add(wait_ms)),
    }
}

/// The outcome of a replay's one attempt: a person asked for it and is watching the ledger,
/// so a failure is shown at once rather than retried for hours.
pub fn replay_outcome(result: &AttemptResult) -> WebhookOutcome {
    match result.status {
        Some(200..=299) => WebhookOutcome::Delivered,
        _ => WebhookOutcome::GaveUp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn schedule() -> Vec<Duration> {
        vec![Duration::from_secs(5), Duration::from_secs(30)]
    }

    fn status(code: u16) -> AttemptResult {
        AttemptResult {
            status: Some(code),
            error: None,
            retry_after: None,
            elapsed_ms: 12,
            response_excerpt: Some(String::new()),
        }
    }

    fn network_error() -> AttemptResult {
        AttemptResult {
            status: None,
            error: Some("connection refused".into()),
            retry_after: None,
            elapsed_ms: 1,
            response_excerpt: None,
        }
    }

    fn now() -> Timestamp {
        Timestamp::parse("2024-01-01T00:00:00Z").unwrap()
    }

    fn retry_in(seconds: f64) -> WebhookOutcome {
        WebhookOutcome::Retry {
            retry_at: Timestamp::from_millis(now().millis() + (seconds * 1000.0) as i64),
        }
    }

    fn run(attempts_before: u32, result: &AttemptResult, jitter: f64) -> WebhookOutcome {
        outcome(attempts_before, result, &schedule(), HOUR, now(), jitter)
    }

    #[test]
    fn success_and_gone_are_final() {
        assert_eq!(run(0, &status(200), 0.0), WebhookOutcome::Delivered);
        assert_eq!(run(5, &status(204), 0.0), WebhookOutcome::Delivered);
        assert_eq!(run(0, &status(410), 0.0), WebhookOutcome::GaveUp);
    }

    #[test]
    fn failures_follow_the_schedule_with_jitter() {
        assert_eq!(run(0, &status(500), 0.0), retry_in(5.0));
        assert_eq!(run(1, &network_error(), 0.0), retry_in(30.0));
        assert_eq!(run(1, &status(302), 1.0), retry_in(36.0));
        assert_eq!(run(0, &status(404), 0.5), retry_in(5.5));
        assert_eq!(run(2, &status(500), 0.0), WebhookOutcome::GaveUp);
        assert_eq!(
            outcome(0, &status(500), &[], HOUR, now(), 0.0),
            WebhookOutcome::GaveUp
        );
    }

    #[test]
    fn replays_are_not_retried() {
        assert_eq!(replay_outcome(&status(204)), WebhookOutcome::Delivered);
        assert_eq!(replay_outcome(&status(500)), WebhookOutcome::GaveUp);
        assert_eq!(replay_outcome(&network_error()), WebhookOutcome::GaveUp);
    }

    #[test]
    fn retry_after_is_honoured_but_clamped() {
        let with = |secs: u64| AttemptResult {
            retry_after: Some(Duration::from_secs(secs)),
            ..status(429)
        };
        assert_eq!(run(0, &with(120), 0.0), retry_in(120.0));
        // Never sooner than the schedule.
        assert_eq!(run(1, &with(2), 0.0), retry_in(30.0));
        // Never later than the cap.
        assert_eq!(run(0, &with(86_400), 0.0), retry_in(3600.0));
        // Nor past the end of the schedule.
        assert_eq!(run(2, &with(60), 0.0), WebhookOutcome::GaveUp);
    }
}
