//! The simulated telephone network (contract §9): the default backend, so that a server
//! works end to end with no carrier account. Everything it makes up (timings, words,
//! audio) is derived from the call's key, so a call replays identically on any instance,
//! including one that takes the call over after a crash. The key is the call id, or for a
//! call a sandbox scenario governs, the scenario's seed, the far-end number and the
//! instant the call was created ([`scenario`]).

pub mod conversation;
pub mod network;
pub(crate) mod phrases;
pub mod recording;
pub(crate) mod scenario;

pub use conversation::Ending;
pub use network::{BUSY, FAILED, MACHINE, MAX_DURATION, NO_ANSWER, SimNetwork, TRANSFER};
pub use recording::wav;

use sha2::{Digest, Sha256};
use std::fmt::Display;

/// How long a far end that never hangs up talks: a day, so the call's max-duration
/// deadline always ends it first (the built-in number and the `max_duration` scenario).
pub(crate) const ENDLESS_TALK_SECS: f64 = 24.0 * 3600.0;
/// What the carrier says when a call fails (the built-in number and the `failed` scenario).
pub(crate) const FAILED_REASON: &str =
    "the carrier could not complete the call (SIP 503 Service Unavailable)";

/// SHA-256 of the call's key under a purpose label, so that the sid, the timings and the
/// audio of one call are independent of each other.
fn digest(key: &impl Display, purpose: &str) -> [u8; 32] {
    Sha256::digest(format!("{purpose}:{key}")).into()
}

pub(crate) fn seed(key: &impl Display, purpose: &str) -> u64 {
    let mut first = [0; 8];
    first.copy_from_slice(&digest(key, purpose)[..8]);
    u64::from_be_bytes(first)
}

/// Whether the callee of a completed call takes what the agent offers (seven calls in
/// ten): the analysis finds out from what they said.
pub(crate) fn callee_agrees(key: &impl Display) -> bool {
    seed(key, "callee") % 10 < 7
}

/// A seeded SplitMix64 sequence. Written out rather than taken from `rand` because `rand`
/// does not promise the same stream across versions, and replays must not change.
pub(crate) struct Draws(u64);

impl Draws {
    pub(crate) fn new(seed: u64) -> Draws {
        Draws(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[low, high)`.
    pub(crate) fn between(&mut self, low: f64, high: f64) -> f64 {
        // The top 53 bits fill an f64 mantissa exactly.
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        low + (high - low) * unit
    }
}

#[cfg(test)]
pub(crate) fn test_call(to: &str) -> switchyard_core::call::Call {
    use switchyard_core::call::{AgentRef, Call, CallMetadata};
    use switchyard_core::enums::{CallType, Language, Provider};
    use switchyard_core::lifecycle::CallStatus;
    use switchyard_core::use_case::UseCase;
    use switchyard_core::{Id, Timestamp};

    let now = Timestamp::parse("2024-01-01T01:01:01Z").unwrap();
    let org = Id::new(now);
    let mut use_case = UseCase::new(Id::new(now), org, "Load confirmation", now);
    use_case.transfer_number = Some("+14155550123".to_owned());
    let mut params = switchyard_core::call::JsonObject::new();
    params.insert("load_id".to_owned(), "LD-1042".into());
    params.insert("origin".to_owned(), "Dallas, TX".into());
    Call {
        id: Id::new(now),
        organization_id: org,
        call_type: CallType::Outbound,
        status: CallStatus::Queued,
        provider: Provider::Twilio,
        metadata: CallMetadata {
            call_sid: None,
            from: "+14155550100".to_owned(),
            to: to.to_owned(),
            recording_sid: None,
            tags: vec![],
            custom: None,
        },
        use_case,
        agent: AgentRef {
            id: Id::new(now),
            name: "Ava".to_owned(),
        },
        language: Language::EnUs,
        created: now,
        viewed_by: vec![],
        prompt_id: None,
        params: Some(params),
        extraction: None,
        classification: None,
        duration: None,
        parent_call_id: None,
        notes: vec![],
        samples: None,
        ratings: vec![],
        scheduled_for: None,
        use_backup: None,
        wait_until_awake: None,
        campaign_id: None,
        max_duration_mins: None,
        transfer_contact_email: None,
        costs: None,
        end_reason: None,
        answered_by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_range_and_replay() {
        let mut a = Draws::new(7);
        let mut b = Draws::new(7);
        for _ in 0..1000 {
            let x = a.between(3.0, 12.0);
            assert!((3.0..12.0).contains(&x));
            assert_eq!(x, b.between(3.0, 12.0));
        }
    }
}
