//! What a SIP call's final response means for the call: the provider event the engine
//! turns into `Busy`, `No answer` or `Failed`, with the code and reason kept.

use switchyard_core::run::{ProviderEvent, SipResponse};

/// The event for a final non-2xx response to our INVITE.
pub(super) fn rejected(code: u16, reason: &str) -> ProviderEvent {
    let sip = Some(SipResponse {
        code,
        reason: reason.to_owned(),
    });
    match code {
        486 | 600 => ProviderEvent::Busy { sip },
        408 | 480 => ProviderEvent::NoAnswer { sip },
        _ => ProviderEvent::Failed {
            reason: format!("the far end answered {code} {reason}"),
            sip,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: u16) -> &'static str {
        match rejected(code, "Reason") {
            ProviderEvent::Busy { .. } => "busy",
            ProviderEvent::NoAnswer { .. } => "no_answer",
            ProviderEvent::Failed { .. } => "failed",
            _ => "other",
        }
    }

    #[test]
    fn final_responses_map_to_the_contract_outcomes() {
        for (code, expected) in [
            (486, "busy"),
            (600, "busy"),
            (408, "no_answer"),
            (480, "no_answer"),
            (404, "failed"),
            (403, "failed"),
            (503, "failed"),
            (603, "failed"),
        ] {
            assert_eq!(kind(code), expected, "{code}");
        }
        let ProviderEvent::Failed { sip, reason } = rejected(503, "Service Unavailable") else {
            panic!("503 fails the call");
        };
        assert_eq!(reason, "the far end answered 503 Service Unavailable");
        assert_eq!(
            sip,
            Some(SipResponse {
                code: 503,
                reason: "Service Unavailable".into()
            })
        );
    }
}
