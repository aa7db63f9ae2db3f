//! The simulated carrier: the destination number picks the outcome (contract §9) and the
//! call id picks the timings, so a demo or a test knows what will happen and when. A far
//! end described by a sandbox scenario comes first (`super::scenario`).

use super::{Draws, ENDLESS_TALK_SECS, FAILED_REASON, digest, scenario, seed};
use crate::provider::{Placement, ProviderError, ScriptedEvent, TelephonyProvider};
use async_trait::async_trait;
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
use switchyard_core::enums::{AnsweredBy, EndReason};
use switchyard_core::run::ProviderEvent;
use switchyard_core::scenario::FarEnd;

pub const BUSY: &str = "+15550100001";
pub const NO_ANSWER: &str = "+15550100002";
pub const FAILED: &str = "+15550100003";
/// Answered by an answering machine; the engine applies the use case's AMD behaviour.
pub const MACHINE: &str = "+15550100004";
/// Transferred to the use case's `transfer_number` after some talk.
pub const TRANSFER: &str = "+15550100005";
/// Talks for a day, so the call's max-duration deadline always ends it first.
pub const MAX_DURATION: &str = "+15550100006";

/// Carriers give up on an unanswered call after about this long.
const RING_TIMEOUT_SECS: f64 = 30.0;

#[derive(Clone, Copy, Debug, Default)]
pub struct SimNetwork;

#[async_trait]
impl TelephonyProvider for SimNetwork {
    async fn place(
        &self,
        call: &Call,
        _now: Timestamp,
        far_end: Option<&FarEnd>,
    ) -> Result<Placement, ProviderError> {
        let script = match far_end {
            Some(far_end) => scenario::script(call, far_end),
            None => script(call),
        };
        // The sid stays the call id's: two governed calls may share a key, never a sid.
        Ok(Placement {
            sid: sid(call),
            script,
        })
    }

    async fn hang_up(&self, _sid: &str) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn recording(
        &self,
        _sid: &str,
        call: &Call,
        duration_secs: f64,
        far_end: Option<&FarEnd>,
    ) -> Result<Option<Vec<u8>>, ProviderError> {
        let seed = seed(&scenario::key(call, far_end), "recording");
        // A four-hour call is a few seconds of synthesis: keep it off the async workers.
        tokio::task::spawn_blocking(move || super::wav(duration_secs, seed))
            .await
            .map(Some)
            .map_err(|e| ProviderError::Unavailable(format!("the recording synthesis failed: {e}")))
    }
}

/// Shaped like a Twilio call sid: `CA` and 32 lowercase hex digits.
fn sid(call: &Call) -> String {
    let digest = digest(&call.id, "sid");
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("CA{hex}")
}

fn script(call: &Call) -> Vec<ScriptedEvent> {
    let mut draws = Draws::new(seed(&call.id, "network"));
    let ringing = draws.between(0.6, 1.4);
    let answered = ringing + draws.between(3.0, 12.0);
    let at = |after_secs: f64, event: ProviderEvent| ScriptedEvent { after_secs, event };
    let hangup = ProviderEvent::Hangup {
        reason: EndReason::Completed,
    };
    let human = ProviderEvent::Answered {
        by: AnsweredBy::Human,
    };

    let mut script = vec![at(ringing, ProviderEvent::Ringing)];
    match call.metadata.to.as_str() {
        BUSY => script.push(at(
            ringing + draws.between(1.0, 4.0),
            ProviderEvent::Busy { sip: None },
        )),
        NO_ANSWER => script.push(at(
            ringing + RING_TIMEOUT_SECS,
            ProviderEvent::NoAnswer { sip: None },
        )),
        FAILED => script.push(at(
            ringing + draws.between(1.0, 3.0),
            ProviderEvent::Failed {
                reason: FAILED_REASON.to_owned(),
                sip: None,
            },
        )),
        MACHINE => {
            let greeting = draws.between(8.0, 15.0);
            script.push(at(
                answered,
                ProviderEvent::Answered {
                    by: AnsweredBy::Machine,
                },
            ));
            script.push(at(answered + greeting, hangup));
        }
        TRANSFER => {
            let talk = draws.between(30.0, 90.0);
            script.push(at(answered, human));
            script.push(at(
                answered + talk,
                ProviderEvent::Transferred {
                    to: call.use_case.transfer_number.clone(),
                },
            ));
        }
        MAX_DURATION => {
            script.push(at(answered, human));
            script.push(at(answered + ENDLESS_TALK_SECS, hangup));
        }
        _ => {
            let talk = draws.between(45.0, 180.0);
            script.push(at(answered, human));
            script.push(at(answered + talk, hangup));
        }
    }
    script
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_call;

    async fn place(to: &str) -> Placement {
        let call = test_call(to);
        SimNetwork.place(&call, call.created, None).await.unwrap()
    }

    fn events(placement: &Placement) -> Vec<ProviderEvent> {
        placement.script.iter().map(|s| s.event.clone()).collect()
    }

    fn assert_increasing(placement: &Placement) {
        let times: Vec<f64> = placement.script.iter().map(|s| s.after_secs).collect();
        assert!(times[0] > 0.0, "{times:?}");
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    }

    #[tokio::test]
    async fn sid_looks_like_twilio_and_is_stable_per_call() {
        let call = test_call("+14155550199");
        let a = SimNetwork.place(&call, call.created, None).await.unwrap();
        let b = SimNetwork.place(&call, call.created, None).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.sid.len(), 34);
        assert!(a.sid.starts_with("CA"));
        assert!(
            a.sid[2..]
                .bytes()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        );
        let other = place("+14155550199").await;
        assert_ne!(a.sid, other.sid);
    }

    #[tokio::test]
    async fn deterministic_numbers_follow_the_contract() {
        let busy = place(BUSY).await;
        assert_eq!(
            events(&busy),
            [ProviderEvent::Ringing, ProviderEvent::Busy { sip: None }]
        );

        let no_answer = place(NO_ANSWER).await;
        assert_eq!(
            events(&no_answer),
            [
                ProviderEvent::Ringing,
                ProviderEvent::NoAnswer { sip: None }
            ]
        );
        let rang = no_answer.script[1].after_secs - no_answer.script[0].after_secs;
        assert!((25.0..=35.0).contains(&rang), "{rang}");

        let failed = place(FAILED).await;
        assert_eq!(failed.script.len(), 2);
        assert!(matches!(
            failed.script[1].event,
            ProviderEvent::Failed { .. }
        ));

        let machine = place(MACHINE).await;
        assert_eq!(
            events(&machine),
            [
                ProviderEvent::Ringing,
                ProviderEvent::Answered {
                    by: AnsweredBy::Machine
                },
                ProviderEvent::Hangup {
                    reason: EndReason::Completed
                },
            ]
        );

        let transfer = place(TRANSFER).await;
        assert_eq!(
            transfer.script[2].event,
            ProviderEvent::Transferred {
                to: Some("+14155550123".to_owned())
            }
        );

        let endless = place(MAX_DURATION).await;
        let talk = endless.script[2].after_secs - endless.script[1].after_secs;
        assert!(talk >= 24.0 * 3600.0, "{talk}");

        for placement in [busy, no_answer, failed, machine, transfer, endless] {
            assert_increasing(&placement);
        }
    }

    #[tokio::test]
    async fn other_numbers_are_answered_by_a_human_who_talks_then_hangs_up() {
        for _ in 0..50 {
            let placement = place("+14155550199").await;
            assert_increasing(&placement);
            let [ringing, answered, hangup] = &placement.script[..] else {
                panic!("{placement:?}");
            };
            assert_eq!(ringing.event, ProviderEvent::Ringing);
            assert!(ringing.after_secs < 2.0);
            assert_eq!(
                answered.event,
                ProviderEvent::Answered {
                    by: AnsweredBy::Human
                }
            );
            let rang = answered.after_secs - ringing.after_secs;
            assert!((3.0..=12.0).contains(&rang), "{rang}");
            let talk = hangup.after_secs - answered.after_secs;
            assert!((45.0..=180.0).contains(&talk), "{talk}");
            assert_eq!(
                hangup.event,
                ProviderEvent::Hangup {
                    reason: EndReason::Completed
                }
            );
        }
    }

    #[tokio::test]
    async fn hang_up_is_idempotent_and_recordings_are_wav() {
        let call = test_call("+14155550199");
        let placement = SimNetwork.place(&call, call.created, None).await.unwrap();
        SimNetwork.hang_up(&placement.sid).await.unwrap();
        SimNetwork.hang_up(&placement.sid).await.unwrap();
        let wav = SimNetwork
            .recording(&placement.sid, &call, 2.5, None)
            .await
            .unwrap()
            .unwrap();
        let reader = hound::WavReader::new(std::io::Cursor::new(wav)).unwrap();
        assert_eq!(reader.duration(), 20_000);
    }
}
