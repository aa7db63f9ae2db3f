//! The far end a sandbox scenario describes: which outcome a call gets, and the script the
//! simulated network plays for it.
//!
//! A governed call's draws come from a key made of the scenario's seed, the far-end number
//! and the instant the call was created, not from its id: ids carry random bytes, so two
//! runs of the same test would never replay, while an organization's frozen test clock
//! makes `created` the same every run.

use super::{Draws, ENDLESS_TALK_SECS, FAILED_REASON, seed};
use crate::provider::ScriptedEvent;
use switchyard_core::call::Call;
use switchyard_core::enums::{AnsweredBy, CallType, EndReason};
use switchyard_core::run::ProviderEvent;
use switchyard_core::scenario::{FarEnd, Outcome, Scenario};

/// The number on the other end of `call`: the one called, or the caller of an inbound call.
pub(crate) fn far_end_number(call: &Call) -> &str {
    match call.call_type {
        CallType::Outbound => &call.metadata.to,
        CallType::Inbound => &call.metadata.from,
    }
}

/// What `scenario` makes the far end of `call` do, drawn once for the call.
pub(crate) fn far_end(scenario: &Scenario, call: &Call) -> FarEnd {
    let key = format!(
        "scenario:{}:{}:{}",
        scenario.seed,
        far_end_number(call),
        call.created.millis()
    );
    FarEnd {
        scenario_id: scenario.id,
        outcome: scenario.outcome_for(seed(&key, "outcome")),
        ring_secs: scenario.ring_secs,
        talk_secs: scenario.talk_secs,
        callee_lines: scenario.callee_lines.clone(),
        key,
    }
}

/// The key the call's draws come from: the far end's, else the call id.
pub(crate) fn key(call: &Call, far_end: Option<&FarEnd>) -> String {
    far_end.map_or_else(|| call.id.to_string(), |f| f.key.clone())
}

/// The events of a governed call, mapped onto what the built-in numbers do: the scenario's
/// ring and talk times replace the drawn ones.
pub(crate) fn script(call: &Call, far_end: &FarEnd) -> Vec<ScriptedEvent> {
    let mut draws = Draws::new(seed(&far_end.key, "network"));
    let ringing = draws.between(0.6, 1.4);
    let answered = ringing + f64::from(far_end.ring_secs);
    let ended = answered + f64::from(far_end.talk_secs);
    let at = |after_secs: f64, event: ProviderEvent| ScriptedEvent { after_secs, event };
    let answer = |by| at(answered, ProviderEvent::Answered { by });
    let hangup = ProviderEvent::Hangup {
        reason: EndReason::Completed,
    };
    let failed = |reason: &str| ProviderEvent::Failed {
        reason: reason.to_owned(),
        sip: None,
    };
    let mut script = vec![at(ringing, ProviderEvent::Ringing)];
    match far_end.outcome {
        Outcome::Completed => {
            script.extend([answer(AnsweredBy::Human), at(ended, hangup)]);
        }
        Outcome::Busy => script.push(at(answered, ProviderEvent::Busy { sip: None })),
        Outcome::NoAnswer => script.push(at(answered, ProviderEvent::NoAnswer { sip: None })),
        Outcome::Failed => script.push(at(answered, failed(FAILED_REASON))),
        // The machine's greeting lasts the talk time; the use case's AMD behaviour applies.
        Outcome::Voicemail => {
            script.extend([answer(AnsweredBy::Machine), at(ended, hangup)]);
        }
        Outcome::Transferred => script.extend([
            answer(AnsweredBy::Human),
            at(
                ended,
                ProviderEvent::Transferred {
                    to: call.use_case.transfer_number.clone(),
                },
            ),
        ]),
        Outcome::MaxDuration => script.extend([
            answer(AnsweredBy::Human),
            at(answered + ENDLESS_TALK_SECS, hangup),
        ]),
        Outcome::Dropped => script.extend([
            answer(AnsweredBy::Human),
            at(ended, failed("the line dropped mid-call")),
        ]),
    }
    script
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_call;
    use switchyard_core::Timestamp;
    use switchyard_core::scenario::NumberMatch;

    fn scenario(outcome: Outcome) -> Scenario {
        let at = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        Scenario {
            id: switchyard_core::ScenarioId::new(at),
            organization_id: switchyard_core::OrgId::new(at),
            number_match: NumberMatch::parse("*").unwrap(),
            outcome: Some(outcome),
            weights: None,
            ring_secs: 7,
            talk_secs: 40,
            callee_lines: vec![],
            seed: 3,
            created_at: at,
        }
    }

    fn events(outcome: Outcome) -> Vec<(f64, ProviderEvent)> {
        let call = test_call("+14155550199");
        let far_end = far_end(&scenario(outcome), &call);
        let script = script(&call, &far_end);
        let start = script[0].after_secs;
        script
            .into_iter()
            .map(|s| ((s.after_secs - start).round(), s.event))
            .collect()
    }

    #[test]
    fn each_outcome_follows_the_scenario_timings() {
        let human = ProviderEvent::Answered {
            by: AnsweredBy::Human,
        };
        let hangup = ProviderEvent::Hangup {
            reason: EndReason::Completed,
        };
        assert_eq!(
            events(Outcome::Completed),
            [
                (0.0, ProviderEvent::Ringing),
                (7.0, human.clone()),
                (47.0, hangup)
            ]
        );
        assert_eq!(
            events(Outcome::Busy)[1],
            (7.0, ProviderEvent::Busy { sip: None })
        );
        assert_eq!(
            events(Outcome::NoAnswer)[1],
            (7.0, ProviderEvent::NoAnswer { sip: None })
        );
        let dropped = events(Outcome::Dropped);
        assert_eq!(dropped[1], (7.0, human));
        assert!(matches!(dropped[2], (47.0, ProviderEvent::Failed { .. })));
    }

    #[test]
    fn the_key_ignores_the_call_id() {
        let (a, mut b) = (test_call("+14155550199"), test_call("+14155550199"));
        assert_ne!(a.id, b.id);
        let s = scenario(Outcome::Completed);
        assert_eq!(far_end(&s, &a), far_end(&s, &b));
        b.created = b.created.plus_millis(1);
        assert_ne!(far_end(&s, &a).key, far_end(&s, &b).key);
    }
}
