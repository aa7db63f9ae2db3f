//! A call's outcome on the dashboard: its status, grouped.

use switchyard_core::lifecycle::CallStatus;

/// A call's outcome: its status, grouped for the stacked bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Completed,
    Transferred,
    Voicemail,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
    Live,
    Waiting,
}

impl Outcome {
    pub const ALL: [Outcome; 9] = [
        Outcome::Completed,
        Outcome::Transferred,
        Outcome::Voicemail,
        Outcome::Busy,
        Outcome::NoAnswer,
        Outcome::Failed,
        Outcome::Canceled,
        Outcome::Live,
        Outcome::Waiting,
    ];

    pub fn of(status: CallStatus) -> Outcome {
        match status {
            CallStatus::Completed => Outcome::Completed,
            CallStatus::Transferred => Outcome::Transferred,
            CallStatus::AmdTerminated => Outcome::Voicemail,
            CallStatus::Busy => Outcome::Busy,
            CallStatus::NoAnswer => Outcome::NoAnswer,
            CallStatus::Failed => Outcome::Failed,
            CallStatus::Canceled => Outcome::Canceled,
            CallStatus::Initiated | CallStatus::Ringing | CallStatus::InProgress => Outcome::Live,
            CallStatus::Scheduled | CallStatus::Queued => Outcome::Waiting,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Completed => "Completed",
            Outcome::Transferred => "Transferred",
            Outcome::Voicemail => "Voicemail (AMD)",
            Outcome::Busy => "Busy",
            Outcome::NoAnswer => "No answer",
            Outcome::Failed => "Failed",
            Outcome::Canceled => "Canceled",
            Outcome::Live => "Live",
            Outcome::Waiting => "Scheduled or queued",
        }
    }

    /// Whether dialing has ended with an answer or a refusal (the answer rate's
    /// denominator): not waiting, not still ringing, not canceled before anyone answered.
    pub(super) fn dialed(status: CallStatus) -> bool {
        matches!(
            status,
            CallStatus::InProgress
                | CallStatus::Completed
                | CallStatus::Transferred
                | CallStatus::AmdTerminated
                | CallStatus::Busy
                | CallStatus::NoAnswer
                | CallStatus::Failed
        )
    }
}
