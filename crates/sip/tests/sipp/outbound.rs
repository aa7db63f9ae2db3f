//! Our INVITEs against SIPp playing the trunk: it answers, refuses, rings or challenges.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::support::{Sipp, endpoint, next_event, no_more_events};
use switchyard_sip::{CallLeg, IncomingCall, SignalEvent, SipEndpoint, SipError, SipSettings, sdp};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::DropGuard;

const CALLER: &str = "+14155550100";
const CALLEE: &str = "+14155550123";

fn our_offer() -> String {
    sdp::offer(IpAddr::V4(Ipv4Addr::LOCALHOST), 40000)
}

/// Our INVITE from `CALLER` to `CALLEE`, sent to SIPp playing `scenario` as the trunk.
struct Dialed {
    sipp: Sipp,
    leg: CallLeg,
    events: UnboundedReceiver<SignalEvent>,
    _endpoint: SipEndpoint,
    _calls: UnboundedReceiver<IncomingCall>,
    _stop: DropGuard,
}

async fn dial(scenario: &str, customize: impl FnOnce(&mut SipSettings)) -> Dialed {
    let sipp = Sipp::answering(scenario);
    let (endpoint, calls, stop) = endpoint(Some(sipp.addr), customize).await;
    let (leg, events) = endpoint.invite(CALLER, CALLEE, our_offer()).await.unwrap();
    Dialed {
        sipp,
        leg,
        events,
        _endpoint: endpoint,
        _calls: calls,
        _stop: stop,
    }
}

impl Dialed {
    async fn next(&mut self) -> SignalEvent {
        next_event(&mut self.events).await
    }
}

#[tokio::test]
async fn answered_call_reports_ringing_answer_and_far_end_hangup() {
    if !crate::support::enabled("answered_call_reports_ringing_answer_and_far_end_hangup") {
        return;
    }
    let mut call = dial("uas_answer_hangup.xml", |_| {}).await;

    assert_eq!(call.next().await, SignalEvent::Ringing { code: 180 });
    let SignalEvent::Answered { sdp: answer } = call.next().await else {
        panic!("expected the answer");
    };
    let media = sdp::parse(&answer).unwrap();
    assert_eq!(media.payload_type, sdp::PCMU);
    assert_eq!(media.addr.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(call.next().await, SignalEvent::HungUp);
    let messages = call.sipp.finishes_scenario().await;
    assert!(messages.contains(&format!("INVITE sip:{CALLEE}@")));
    assert!(messages.contains(&format!("From: <sip:{CALLER}@127.0.0.1>")));
    no_more_events(&mut call.events).await;
}

#[tokio::test]
async fn a_far_end_that_hangs_up_right_after_the_ack_made_a_short_call() {
    if !crate::support::enabled("a_far_end_that_hangs_up_right_after_the_ack_made_a_short_call") {
        return;
    }
    for _ in 0..5 {
        let mut call = dial("uas_answer_bye_at_once.xml", |_| {}).await;
        assert_eq!(call.next().await, SignalEvent::Ringing { code: 180 });
        let answered = call.next().await;
        assert!(
            matches!(answered, SignalEvent::Answered { .. }),
            "{answered:?}"
        );
        assert_eq!(call.next().await, SignalEvent::HungUp);
        call.sipp.finishes_scenario().await;
    }
}

#[tokio::test]
async fn a_session_refresh_is_answered_with_our_sdp() {
    if !crate::support::enabled("a_session_refresh_is_answered_with_our_sdp") {
        return;
    }
    let mut call = dial("uas_session_refresh.xml", |_| {}).await;

    assert_eq!(call.next().await, SignalEvent::Ringing { code: 180 });
    assert!(matches!(call.next().await, SignalEvent::Answered { .. }));
    assert_eq!(call.next().await, SignalEvent::HungUp);
    let messages = call.sipp.finishes_scenario().await;
    assert_eq!(
        messages.matches("m=audio 40000 RTP/AVP 0 8 101").count(),
        2,
        "{messages}"
    );
}

#[tokio::test]
async fn busy_is_rejected_486() {
    if !crate::support::enabled("busy_is_rejected_486") {
        return;
    }
    let mut call = dial("uas_busy.xml", |_| {}).await;

    let event = call.next().await;
    assert_eq!(
        event,
        SignalEvent::Rejected {
            code: 486,
            reason: "Busy Here".into()
        }
    );
    call.sipp.finishes_scenario().await;
}

#[tokio::test]
async fn from_domain_names_our_host_in_from() {
    if !crate::support::enabled("from_domain_names_our_host_in_from") {
        return;
    }
    let mut call = dial("uas_busy.xml", |settings| {
        settings.from_domain = Some("switchyard.example".into());
    })
    .await;

    assert!(matches!(
        call.next().await,
        SignalEvent::Rejected { code: 486, .. }
    ));
    let messages = call.sipp.finishes_scenario().await;
    assert!(
        messages.contains(&format!("From: <sip:{CALLER}@switchyard.example>")),
        "{messages}"
    );
}

#[tokio::test]
async fn unavailable_trunk_is_rejected_503() {
    if !crate::support::enabled("unavailable_trunk_is_rejected_503") {
        return;
    }
    let mut call = dial("uas_unavailable.xml", |_| {}).await;

    let event = call.next().await;
    assert_eq!(
        event,
        SignalEvent::Rejected {
            code: 503,
            reason: "Service Unavailable".into()
        }
    );
    call.sipp.finishes_scenario().await;
}

#[tokio::test]
async fn ring_timeout_cancels_the_invite() {
    if !crate::support::enabled("ring_timeout_cancels_the_invite") {
        return;
    }
    let mut call = dial("uas_ring_forever.xml", |settings| {
        settings.ring_timeout = Duration::from_secs(2);
    })
    .await;

    assert_eq!(call.next().await, SignalEvent::Ringing { code: 180 });
    assert_eq!(call.next().await, SignalEvent::NoAnswer);
    let messages = call.sipp.finishes_scenario().await;
    assert!(messages.contains("CANCEL sip:"));
    call.leg
        .hang_up()
        .await
        .expect("hanging up an ended call is a no-op");
}

#[tokio::test]
async fn our_hang_up_while_ringing_cancels_the_invite() {
    if !crate::support::enabled("our_hang_up_while_ringing_cancels_the_invite") {
        return;
    }
    let mut call = dial("uas_ring_forever.xml", |_| {}).await;
    assert_eq!(call.next().await, SignalEvent::Ringing { code: 180 });
    call.leg.hang_up().await.unwrap();

    let event = call.next().await;
    assert_eq!(
        event,
        SignalEvent::Rejected {
            code: 487,
            reason: "Request Terminated".into()
        }
    );
    call.sipp.finishes_scenario().await;
}

#[tokio::test]
async fn our_hang_up_after_the_answer_sends_bye_once() {
    if !crate::support::enabled("our_hang_up_after_the_answer_sends_bye_once") {
        return;
    }
    let mut call = dial("uas_answer_wait_bye.xml", |_| {}).await;
    assert!(matches!(call.next().await, SignalEvent::Answered { .. }));

    call.leg.hang_up().await.unwrap();
    call.leg.clone().hang_up().await.unwrap();
    let messages = call.sipp.finishes_scenario().await;
    assert_eq!(messages.matches("BYE sip:").count(), 1, "{messages}");
    no_more_events(&mut call.events).await;
}

#[tokio::test]
async fn digest_challenge_is_answered_with_the_right_password() {
    if !crate::support::enabled("digest_challenge_is_answered_with_the_right_password") {
        return;
    }
    let mut call = dial("uas_digest.xml", |settings| {
        settings.username = Some("alice".into());
        settings.password = Some("secret".into());
    })
    .await;

    assert!(matches!(call.next().await, SignalEvent::Answered { .. }));
    assert_eq!(call.next().await, SignalEvent::HungUp);
    let messages = call.sipp.finishes_scenario().await;
    assert!(messages.contains("Authorization: Digest"));
}

#[tokio::test]
async fn digest_challenge_with_a_wrong_password_is_rejected() {
    if !crate::support::enabled("digest_challenge_with_a_wrong_password_is_rejected") {
        return;
    }
    let mut call = dial("uas_digest.xml", |settings| {
        settings.username = Some("alice".into());
        settings.password = Some("wrong".into());
    })
    .await;

    let event = call.next().await;
    assert!(
        matches!(event, SignalEvent::Rejected { code: 403, .. }),
        "{event:?}"
    );
    call.sipp.finishes_scenario().await;
}

#[tokio::test]
async fn digest_challenge_without_credentials_is_rejected_401() {
    if !crate::support::enabled("digest_challenge_without_credentials_is_rejected_401") {
        return;
    }
    let mut call = dial("uas_digest.xml", |_| {}).await;

    let event = call.next().await;
    assert!(
        matches!(event, SignalEvent::Rejected { code: 401, .. }),
        "{event:?}"
    );
}

#[tokio::test]
async fn without_a_trunk_outbound_calls_are_refused() {
    if !crate::support::enabled("without_a_trunk_outbound_calls_are_refused") {
        return;
    }
    let (endpoint, _calls, _stop) = endpoint(None, |_| {}).await;

    let refused = endpoint.invite(CALLER, CALLEE, our_offer()).await;

    assert!(matches!(refused, Err(SipError::NoTrunk)));
}
