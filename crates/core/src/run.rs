//! The engine's bookkeeping for a call on the telephone network: what the provider said will
//! happen and when, who holds the call (a lease, so a crashed instance's calls are taken
//! over), and when the engine must look at it next.

use crate::Timestamp;
use crate::enums::{AnsweredBy, EndReason};
use crate::id::{CallId, OrgId};
use crate::scenario::FarEnd;
use serde::{Deserialize, Serialize};

/// What a telephony provider reports about a call it placed, whichever provider it is
/// (the simulated network, a SIP trunk): the engine turns these into statuses in one place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProviderEvent {
    /// The provider sent the call on its way (a SIP INVITE went out).
    Initiated,
    Ringing,
    Answered {
        by: AnsweredBy,
    },
    /// Audio flows both ways (RTP started).
    MediaOpen,
    Busy {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sip: Option<SipResponse>,
    },
    NoAnswer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sip: Option<SipResponse>,
    },
    /// The conversation ended (hung up by either side, or a voicemail left).
    Hangup {
        reason: EndReason,
    },
    /// The call was handed to a person (the use case's `transfer_number`).
    Transferred {
        to: Option<String>,
    },
    Failed {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sip: Option<SipResponse>,
    },
    /// The far end pressed a key (RFC 4733 telephone-event).
    Dtmf {
        digit: String,
        duration_ms: u32,
    },
}

/// The final SIP response that ended a call's attempt (`486 Busy Here`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SipResponse {
    pub code: u16,
    pub reason: String,
}

/// A provider event the engine will apply at `at` (the simulated network announces its
/// events in advance; a real carrier's arrive through callbacks and are applied at once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedEvent {
    #[serde(with = "crate::time::millis")]
    pub at: Timestamp,
    pub event: ProviderEvent,
}

/// The state of a live call, stored with it so any instance can carry on. Times are kept
/// in milliseconds: at a high `--sim-speed` a second is a long time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// The provider's id for the call (`metadata.call_sid`), once placed.
    pub provider_sid: Option<String>,
    /// Events still to come, earliest first.
    pub planned: Vec<PlannedEvent>,
    #[serde(default, with = "crate::time::millis::option")]
    pub answered_at: Option<Timestamp>,
    pub answered_by: Option<AnsweredBy>,
    /// When the call must be hung up for reaching its effective `max_duration_mins`.
    #[serde(default, with = "crate::time::millis::option")]
    pub deadline: Option<Timestamp>,
    /// When the provider accepted the call (telephony is billed from then).
    #[serde(default, with = "crate::time::millis::option")]
    pub placed_at: Option<Timestamp>,
    /// The call only plays this message once answered, then hangs up: the AMD voicemail
    /// (`amd_behavior: Message`) or an inbound call's after-hours message.
    #[serde(default)]
    pub message_only: Option<String>,
    /// What a sandbox scenario made the far end do, chosen when the call was placed; the
    /// conversation and the recording follow it too.
    #[serde(default)]
    pub far_end: Option<Box<FarEnd>>,
}

impl RunState {
    /// When the engine must next look at the call: its next event or its deadline.
    pub fn next_at(&self) -> Option<Timestamp> {
        let next_event = self.planned.first().map(|p| p.at);
        match (next_event, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A live call held by one engine instance until `lease_until`.
#[derive(Clone, Debug, PartialEq)]
pub struct CallRun {
    pub organization_id: OrgId,
    pub call_id: CallId,
    pub state: RunState,
    pub next_at: Timestamp,
    pub lease_owner: String,
    pub lease_until: Timestamp,
}

/// Who claims work, and until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    pub until: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_state_keeps_milliseconds() {
        let at = Timestamp::from_millis(1_704_110_400_123);
        let state = RunState {
            planned: vec![PlannedEvent {
                at,
                event: ProviderEvent::Ringing,
            }],
            answered_at: Some(at),
            deadline: Some(at.plus_millis(1)),
            placed_at: Some(at.plus_millis(-1)),
            ..RunState::default()
        };
        let stored = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<RunState>(&stored).unwrap(), state);
    }

    #[test]
    fn a_far_end_is_kept_for_whoever_finishes_the_call() {
        let at = Timestamp::from_millis(1_704_110_400_123);
        let state = RunState {
            far_end: Some(Box::new(FarEnd {
                scenario_id: crate::ScenarioId::new(at),
                outcome: crate::scenario::Outcome::Dropped,
                ring_secs: 0,
                talk_secs: 3600,
                callee_lines: vec!["Hello?".to_owned()],
                key: "scenario:7:+14155550123:1704110400123".to_owned(),
            })),
            ..RunState::default()
        };
        let stored = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<RunState>(&stored).unwrap(), state);
        // Runs stored before scenarios existed still read.
        let old: RunState =
            serde_json::from_str(r#"{"provider_sid":null,"planned":[],"answered_by":null}"#)
                .unwrap();
        assert_eq!(old.far_end, None);
    }
}
