//! The call lifecycle of contract §8. [`CallStatus::apply`] is the only way a call's status
//! changes: storage writes a new status only after asking it.

use crate::enums::EndReason;
use crate::string_enum::string_enum;

string_enum! {
    pub enum CallStatus {
        Scheduled => "Scheduled", Queued => "Queued", Initiated => "Initiated",
        Ringing => "Ringing", InProgress => "In progress", Transferred => "Transferred",
        Completed => "Completed", AmdTerminated => "AMD Terminated", Busy => "Busy",
        NoAnswer => "No answer", Canceled => "Canceled", Failed => "Failed",
    }
}

/// Something that happens to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallEvent {
    /// A scheduled call's time has come.
    Enqueue,
    /// The engine handed the call to the telephony provider.
    Dispatch,
    Ring,
    Answer,
    /// The conversation ended normally (`completed`, `customer_hangup`, `agent_hangup`,
    /// `voicemail`, `max_duration`, `after_hours`).
    Hangup(EndReason),
    Transfer,
    /// A machine answered and the use case says `Hangup`.
    AmdHangup,
    Busy,
    NoAnswer,
    /// `POST /calls/{id}/cancel`.
    Cancel,
    /// `POST /calls/{id}/stop`.
    Stop,
    ProviderError,
}

/// An event that the call's current status does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a call that is {from} cannot {}", event_verb(*.event))]
pub struct IllegalTransition {
    pub from: CallStatus,
    pub event: CallEvent,
}

fn event_verb(event: CallEvent) -> &'static str {
    match event {
        CallEvent::Enqueue => "be queued",
        CallEvent::Dispatch => "be dialed",
        CallEvent::Ring => "ring",
        CallEvent::Answer => "be answered",
        CallEvent::Hangup(_) => "be hung up",
        CallEvent::Transfer => "be transferred",
        CallEvent::AmdHangup => "end on an answering machine",
        CallEvent::Busy => "be busy",
        CallEvent::NoAnswer => "go unanswered",
        CallEvent::Cancel => "be canceled (only Scheduled and Queued calls can)",
        CallEvent::Stop => "be stopped (only Initiated, Ringing and In progress calls can)",
        CallEvent::ProviderError => "fail",
    }
}

/// Where a transition leads: the new status and, for final statuses, why the call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub to: CallStatus,
    pub end_reason: Option<EndReason>,
}

impl CallStatus {
    /// A call on the telephone network right now.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            CallStatus::Initiated | CallStatus::Ringing | CallStatus::InProgress
        )
    }

    /// Waiting to be dialed, or live: anything that is not final.
    pub fn is_pending(self) -> bool {
        !self.is_final()
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            CallStatus::Transferred
                | CallStatus::Completed
                | CallStatus::AmdTerminated
                | CallStatus::Busy
                | CallStatus::NoAnswer
                | CallStatus::Canceled
                | CallStatus::Failed
        )
    }

    /// The state machine. Final statuses accept no event.
    pub fn apply(self, event: CallEvent) -> Result<Transition, IllegalTransition> {
        use CallEvent as E;
        use CallStatus as S;
        let (to, end_reason) = match (self, event) {
            (S::Scheduled, E::Enqueue) => (S::Queued, None),
            (S::Queued, E::Dispatch) => (S::Initiated, None),
            (S::Initiated, E::Ring) => (S::Ringing, None),
            (S::Ringing, E::Answer) => (S::InProgress, None),
            (S::Ringing, E::Busy) => (S::Busy, Some(EndReason::Busy)),
            (S::Ringing, E::NoAnswer) => (S::NoAnswer, Some(EndReason::NoAnswer)),
            (S::InProgress, E::Hangup(reason)) if is_hangup_reason(reason) => {
                (S::Completed, Some(reason))
            }
            (S::InProgress, E::Transfer) => (S::Transferred, Some(EndReason::Transferred)),
            (S::InProgress, E::AmdHangup) => (S::AmdTerminated, Some(EndReason::Voicemail)),
            (S::Scheduled | S::Queued, E::Cancel) => (S::Canceled, Some(EndReason::Canceled)),
            (S::Initiated | S::Ringing, E::Stop) => (S::Canceled, Some(EndReason::Stopped)),
            (S::InProgress, E::Stop) => (S::Completed, Some(EndReason::Stopped)),
            (from, E::ProviderError) if from.is_live() => {
                (S::Failed, Some(EndReason::ProviderError))
            }
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        Ok(Transition { to, end_reason })
    }
}

fn is_hangup_reason(reason: EndReason) -> bool {
    matches!(
        reason,
        EndReason::Completed
            | EndReason::CustomerHangup
            | EndReason::AgentHangup
            | EndReason::Voicemail
            | EndReason::MaxDuration
            | EndReason::AfterHours
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_status() -> impl Strategy<Value = CallStatus> {
        proptest::sample::select(CallStatus::ALL)
    }

    fn any_event() -> impl Strategy<Value = CallEvent> {
        let reasons = proptest::sample::select(EndReason::ALL).prop_map(CallEvent::Hangup);
        prop_oneof![
            proptest::sample::select(vec![
                CallEvent::Enqueue,
                CallEvent::Dispatch,
                CallEvent::Ring,
                CallEvent::Answer,
                CallEvent::Transfer,
                CallEvent::AmdHangup,
                CallEvent::Busy,
                CallEvent::NoAnswer,
                CallEvent::Cancel,
                CallEvent::Stop,
                CallEvent::ProviderError,
            ]),
            reasons,
        ]
    }

    proptest! {
        #[test]
        fn final_statuses_never_change(status in any_status(), event in any_event()) {
            if status.is_final() {
                prop_assert!(status.apply(event).is_err());
            }
        }

        #[test]
        fn every_transition_to_a_final_status_says_why(status in any_status(), event in any_event()) {
            if let Ok(t) = status.apply(event) {
                prop_assert_eq!(t.to.is_final(), t.end_reason.is_some());
            }
        }

        #[test]
        fn walks_only_forward(status in any_status(), event in any_event()) {
            if let Ok(t) = status.apply(event) {
                prop_assert!(t.to > status, "{status} -> {}", t.to);
            }
        }
    }

    #[test]
    fn the_happy_path_of_an_outbound_call() {
        let mut status = CallStatus::Scheduled;
        for event in [
            CallEvent::Enqueue,
            CallEvent::Dispatch,
            CallEvent::Ring,
            CallEvent::Answer,
            CallEvent::Hangup(EndReason::Completed),
        ] {
            status = status.apply(event).unwrap().to;
        }
        assert_eq!(status, CallStatus::Completed);
    }

    #[test]
    fn stop_and_cancel_follow_the_contract() {
        let stop = |s: CallStatus| s.apply(CallEvent::Stop).map(|t| t.to);
        assert_eq!(stop(CallStatus::InProgress), Ok(CallStatus::Completed));
        assert_eq!(stop(CallStatus::Ringing), Ok(CallStatus::Canceled));
        assert_eq!(stop(CallStatus::Initiated), Ok(CallStatus::Canceled));
        assert!(stop(CallStatus::Queued).is_err());
        let cancel = |s: CallStatus| s.apply(CallEvent::Cancel).map(|t| t.to);
        assert_eq!(cancel(CallStatus::Scheduled), Ok(CallStatus::Canceled));
        assert_eq!(cancel(CallStatus::Queued), Ok(CallStatus::Canceled));
        assert!(cancel(CallStatus::Ringing).is_err());
        assert!(cancel(CallStatus::Completed).is_err());
    }

    #[test]
    fn hangup_reasons_that_are_not_hangups_are_refused() {
        assert!(
            CallStatus::InProgress
                .apply(CallEvent::Hangup(EndReason::Busy))
                .is_err()
        );
    }
}
