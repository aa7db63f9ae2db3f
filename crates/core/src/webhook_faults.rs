//! Faults the sandbox injects into an organization's webhook deliveries, so that an
//! integration can prove its receiver copes with what real networks do (docs/TESTING.md).

use crate::Timestamp;
use crate::webhook::NewWebhook;
use serde::{Deserialize, Serialize};

/// The longest `delay_ms`: a day.
pub const MAX_DELAY_MS: u64 = 86_400_000;

/// Where a held delivery waits (9999-12-31T23:59:59Z): later than any clock reaches, so the
/// outbox's claim never takes it, until the call's `end` has been attempted and the store
/// releases it (`finish_webhook_attempt`).
pub const HELD_UNTIL_END_MILLIS: i64 = 253_402_300_799_000;

/// An organization's webhook faults; the default injects none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookFaults {
    /// The share of deliveries (0 to 1) sent twice under the same `webhook-id`.
    pub duplicate: f64,
    /// How long (ms, on the organization's clock) every delivery's first attempt waits.
    pub delay_ms: u64,
    /// A call's `start` deliveries wait until its `end` has been attempted.
    pub reorder: bool,
}

impl WebhookFaults {
    /// Shapes a delivery as the faults say. Whether it is duplicated depends only on its
    /// id, so `duplicate: 1` and `duplicate: 0` are exact and a replay of a test agrees.
    pub fn apply(&self, hook: &mut NewWebhook) {
        hook.first_attempt_at = if self.reorder && hook.event_type == "start" {
            Timestamp::from_millis(HELD_UNTIL_END_MILLIS)
        } else {
            let delay = i64::try_from(self.delay_ms).unwrap_or(i64::MAX);
            hook.created_at.plus_millis(delay)
        };
        // Uniform in [0, 1): 2^32 is one more than the largest hash.
        let draw = f64::from(crc32fast::hash(hook.id.to_string().as_bytes())) / 4_294_967_296.0;
        hook.duplicate = draw < self.duplicate;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Id;

    fn hook(event_type: &str, at: Timestamp) -> NewWebhook {
        NewWebhook {
            id: Id::new(at),
            event_type: event_type.to_owned(),
            url: "https://hooks.example.com".to_owned(),
            headers: Vec::new(),
            body: "{}".to_owned(),
            created_at: at,
            first_attempt_at: at,
            duplicate: false,
        }
    }

    #[test]
    fn none_leaves_a_delivery_as_it_is() {
        let at = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        let mut start = hook("start", at);
        let before = start.clone();
        WebhookFaults::default().apply(&mut start);
        assert_eq!(start, before);
    }

    #[test]
    fn delay_and_reorder() {
        let at = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        let faults = WebhookFaults {
            duplicate: 0.0,
            delay_ms: 60_000,
            reorder: true,
        };
        let (mut start, mut end) = (hook("start", at), hook("end", at));
        faults.apply(&mut start);
        faults.apply(&mut end);
        assert_eq!(start.first_attempt_at.millis(), HELD_UNTIL_END_MILLIS);
        assert_eq!(end.first_attempt_at, at.plus_seconds(60));
    }

    #[test]
    fn duplicate_is_a_share_decided_by_the_id() {
        let at = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        let share = |duplicate: f64| {
            let faults = WebhookFaults {
                duplicate,
                ..WebhookFaults::default()
            };
            let mut twice = 0;
            for _ in 0..1000 {
                let mut one = hook("end", at);
                faults.apply(&mut one);
                let again = one.duplicate;
                faults.apply(&mut one);
                assert_eq!(one.duplicate, again, "decided by the id alone");
                twice += usize::from(one.duplicate);
            }
            twice
        };
        assert_eq!(share(0.0), 0);
        assert_eq!(share(1.0), 1000);
        assert!((350..650).contains(&share(0.5)), "{}", share(0.5));
    }
}
