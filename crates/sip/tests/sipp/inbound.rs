//! SIPp calls our endpoint; we answer or refuse.

use std::net::{IpAddr, Ipv4Addr};

use crate::support::{Sipp, endpoint, next_call, next_event, no_more_events};
use switchyard_sip::{SignalEvent, SipError, sdp};

const CALLER: &str = "+14155550199";
const CALLED: &str = "+14155550100";

#[tokio::test]
async fn an_accepted_call_ends_with_the_callers_bye() {
    if !crate::support::enabled("an_accepted_call_ends_with_the_callers_bye") {
        return;
    }
    let (endpoint, mut calls, _stop) = endpoint(None, |_| {}).await;
    let sipp = Sipp::calling("uac_call.xml", endpoint.local_addr(), CALLED);

    let call = next_call(&mut calls).await;
    assert_eq!((call.from.as_str(), call.to.as_str()), (CALLER, CALLED));
    let offer = sdp::parse(&call.sdp_offer).unwrap();
    assert_eq!(offer.payload_type, sdp::PCMU);
    assert_eq!(offer.dtmf_payload_type, Some(101));
    let answer = sdp::answer(IpAddr::V4(Ipv4Addr::LOCALHOST), 41000, &offer);
    let (leg, mut events) = call.accept(answer).await.unwrap();

    assert_eq!(next_event(&mut events).await, SignalEvent::HungUp);
    let messages = sipp.finishes_scenario().await;
    assert!(messages.contains(&format!("Call-ID: {}", leg.call_id())));
    assert!(messages.contains("m=audio 41000 RTP/AVP 0 101"));
    leg.hang_up()
        .await
        .expect("hanging up an ended call is a no-op");
    no_more_events(&mut events).await;
}

#[tokio::test]
async fn a_call_for_nobody_is_rejected_404() {
    if !crate::support::enabled("a_call_for_nobody_is_rejected_404") {
        return;
    }
    let (endpoint, mut calls, _stop) = endpoint(None, |_| {}).await;
    let sipp = Sipp::calling("uac_call_not_found.xml", endpoint.local_addr(), CALLED);

    let call = next_call(&mut calls).await;
    call.reject(404, "Not Found").await;

    let messages = sipp.finishes_scenario().await;
    assert!(messages.contains("SIP/2.0 404 Not Found"));
}

#[tokio::test]
async fn our_hang_up_sends_the_bye() {
    if !crate::support::enabled("our_hang_up_sends_the_bye") {
        return;
    }
    let (endpoint, mut calls, _stop) = endpoint(None, |_| {}).await;
    let sipp = Sipp::calling("uac_call_wait_bye.xml", endpoint.local_addr(), CALLED);

    let call = next_call(&mut calls).await;
    let offer = sdp::parse(&call.sdp_offer).unwrap();
    let answer = sdp::answer(IpAddr::V4(Ipv4Addr::LOCALHOST), 41000, &offer);
    let (leg, mut events) = call.accept(answer).await.unwrap();
    leg.hang_up().await.unwrap();

    let messages = sipp.finishes_scenario().await;
    assert_eq!(messages.matches("BYE sip:").count(), 1, "{messages}");
    no_more_events(&mut events).await;
}

#[tokio::test]
async fn a_call_dropped_unanswered_is_refused_480() {
    if !crate::support::enabled("a_call_dropped_unanswered_is_refused_480") {
        return;
    }
    let (endpoint, mut calls, _stop) = endpoint(None, |_| {}).await;
    let sipp = Sipp::calling("uac_call_unavailable.xml", endpoint.local_addr(), CALLED);

    drop(next_call(&mut calls).await);

    sipp.finishes_scenario().await;
}

#[tokio::test]
async fn a_call_the_caller_cancelled_cannot_be_accepted() {
    if !crate::support::enabled("a_call_the_caller_cancelled_cannot_be_accepted") {
        return;
    }
    let (endpoint, mut calls, _stop) = endpoint(None, |_| {}).await;
    let sipp = Sipp::calling("uac_cancel.xml", endpoint.local_addr(), CALLED);

    let call = next_call(&mut calls).await;
    sipp.finishes_scenario().await;

    let answer = sdp::answer(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        41000,
        &sdp::parse(&call.sdp_offer).unwrap(),
    );
    assert!(matches!(
        call.accept(answer).await,
        Err(SipError::CallEnded)
    ));
}
