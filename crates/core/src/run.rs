//! The engine's bookkeeping for a call on the telephone network: what the provider said will
//! happen and when, who holds the call (a lease, so a crashed instance's calls are taken
//! over), and when the engine must look at it next.

use crate::enums::{AnsweredBy, EndReason};
use crate::{Id, Timestamp};
use serde::{Deserialize, Serialize};

/// What a telephony provider reports about a call it placed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProviderEvent {
    Ringing,
    Answered {
        by: AnsweredBy,
    },
    Busy,
    NoAnswer,
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
    },
}

/// A provider event the engine will apply at `at` (the simulated network announces its
/// events in advance; a real carrier's arrive through callbacks and are applied at once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedEvent {
    pub at: Timestamp,
    pub event: ProviderEvent,
}

/// The state of a live call, stored with it so any instance can carry on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// The provider's id for the call (`metadata.call_sid`), once placed.
    pub provider_sid: Option<String>,
    /// Events still to come, earliest first.
    pub planned: Vec<PlannedEvent>,
    pub answered_at: Option<Timestamp>,
    pub answered_by: Option<AnsweredBy>,
    /// When the call must be hung up for reaching its effective `max_duration_mins`.
    pub deadline: Option<Timestamp>,
    /// When the provider accepted the call (telephony is billed from then).
    #[serde(default)]
    pub placed_at: Option<Timestamp>,
    /// The call only plays this message once answered, then hangs up: the AMD voicemail
    /// (`amd_behavior: Message`) or an inbound call's after-hours message.
    #[serde(default)]
    pub message_only: Option<String>,
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
    pub organization_id: Id,
    pub call_id: Id,
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
