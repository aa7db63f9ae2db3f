//! Real phone calls with the real binary: `serve --telephony sip` against SIPp on
//! 127.0.0.1, and the same outcomes on the simulated network (one suite, both providers).
//! Every test waits on what the server sends (its `end` webhook) or on SIPp finishing its
//! scenario, never on a timer. Gated by `SWITCHYARD_TEST_TELEPHONY` (docs/TELEPHONY.md).

#![allow(dead_code)]

#[path = "common/baresip.rs"]
mod baresip;
#[path = "telephony/line.rs"]
mod line;
#[path = "common/process.rs"]
mod process;
#[path = "api/receiver.rs"]
mod receiver;
#[path = "common/sipp.rs"]
mod sipp;

use baresip::Baresip;
use line::{Line, Network};
use serde_json::{Value, json};
use sipp::{Sipp, enabled};
use std::time::Duration;
use switchyard_engine::sim;

const SCENARIO: Duration = Duration::from_secs(60);

/// One outcome, as each network produces it: the simulated network's number for it, and
/// the SIPp scenario that answers that way.
struct Outcome {
    sim_number: &'static str,
    sipp_scenario: &'static str,
    status: &'static str,
    end_reason: &'static str,
}

const BUSY: Outcome = Outcome {
    sim_number: sim::BUSY,
    sipp_scenario: "uas_busy.xml",
    status: "Busy",
    end_reason: "busy",
};
const NO_ANSWER: Outcome = Outcome {
    sim_number: sim::NO_ANSWER,
    sipp_scenario: "uas_ring_forever.xml",
    status: "No answer",
    end_reason: "no_answer",
};
const FAILED: Outcome = Outcome {
    sim_number: sim::FAILED,
    sipp_scenario: "uas_unavailable.xml",
    status: "Failed",
    end_reason: "provider_error",
};

/// Dials `outcome`'s far end on `network` and checks the call ends as the contract says,
/// with the same webhooks, costs and logs whichever network carried it.
async fn ends_as(network: Network, outcome: &Outcome) -> (Line, Value) {
    let sipp = match network {
        Network::Sim => None,
        Network::Sip => Some(Sipp::answering(outcome.sipp_scenario)),
    };
    let line = Line::start(network, sipp.as_ref().map(|s| s.addr), &[]).await;
    let to = match network {
        Network::Sim => outcome.sim_number,
        Network::Sip => "+14155550123",
    };
    let id = line.dial(to).await;
    let end = line.end_of(&id).await;
    assert_eq!(end["call"]["status"], outcome.status, "{network:?}: {end}");
    assert_eq!(end["call"]["end_reason"], outcome.end_reason, "{network:?}");
    assert!(end["call"]["costs"].is_object(), "{network:?}: costs");
    assert_eq!(end["call"]["duration"], 0.0, "{network:?}: nobody talked");
    if let Some(sipp) = sipp {
        sipp.finishes(SCENARIO).await;
    }
    (line, end)
}

#[tokio::test(flavor = "multi_thread")]
async fn busy_on_both_networks() {
    if !enabled("busy_on_both_networks") {
        return;
    }
    ends_as(Network::Sim, &BUSY).await;
    let (line, end) = ends_as(Network::Sip, &BUSY).await;
    line.logged(&end, "SIP 486").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_answer_on_both_networks_and_sip_cancels() {
    if !enabled("no_answer_on_both_networks_and_sip_cancels") {
        return;
    }
    ends_as(Network::Sim, &NO_ANSWER).await;
    // SIPp's scenario only ends well once our CANCEL came (`ends_as` waits for it).
    ends_as(Network::Sip, &NO_ANSWER).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_on_both_networks_keeps_the_sip_code() {
    if !enabled("a_failure_on_both_networks_keeps_the_sip_code") {
        return;
    }
    ends_as(Network::Sim, &FAILED).await;
    let (line, end) = ends_as(Network::Sip, &FAILED).await;
    line.logged(&end, "503 Service Unavailable").await;
    // The status line that gives the end_reason carries the response too.
    let id = end["call"]["id"].as_str().unwrap();
    let logs = line.api.get(&format!("/calls/{id}/logs")).await;
    let last_status = logs
        .as_array()
        .unwrap()
        .iter()
        .rfind(|l| l["event"] == "status")
        .unwrap();
    assert_eq!(last_status["data"]["end_reason"], "provider_error");
    assert_eq!(last_status["data"]["sip_code"], 503, "{last_status}");
    assert_eq!(last_status["data"]["sip_reason"], "Service Unavailable");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_stopped_mid_conversation_on_both_networks() {
    if !enabled("a_call_stopped_mid_conversation_on_both_networks") {
        return;
    }
    for network in [Network::Sim, Network::Sip] {
        let sipp = (network == Network::Sip).then(|| Sipp::answering("uas_answer_wait_bye.xml"));
        let line = Line::start(network, sipp.as_ref().map(|s| s.addr), &[]).await;
        let to = match network {
            Network::Sim => sim::MAX_DURATION,
            Network::Sip => "+14155550123",
        };
        let id = line.dial(to).await;
        line.started(&id).await;
        line.api.post(&format!("/calls/{id}/stop"), json!({})).await;
        let end = line.end_of(&id).await;
        assert_eq!(end["call"]["status"], "Completed", "{network:?}");
        assert_eq!(end["call"]["end_reason"], "stopped", "{network:?}");
        if let Some(sipp) = sipp {
            let messages = sipp.finishes(SCENARIO).await;
            assert!(messages.contains("BYE sip:"), "SIPp saw our BYE");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn digest_authentication_with_the_trunk() {
    if !enabled("digest_authentication_with_the_trunk") {
        return;
    }
    let sipp = Sipp::answering("uas_digest.xml");
    let credentials = ["--sip-username", "alice", "--sip-password", "secret"];
    let line = Line::start(Network::Sip, Some(sipp.addr), &credentials).await;
    let id = line.dial("+14155550123").await;
    let end = line.end_of(&id).await;
    assert_eq!(end["call"]["status"], "Completed", "{end}");
    let messages = sipp.finishes(SCENARIO).await;
    assert!(messages.contains("Authorization: Digest"), "{messages}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inbound_sip_call_runs_the_numbers_use_case() {
    if !enabled("an_inbound_sip_call_runs_the_numbers_use_case") {
        return;
    }
    let line = Line::start(Network::Sip, None, &[]).await;
    let sipp = Sipp::calling("uac_call.xml", line.sip, &line.phone_number);
    let start = line
        .receiver
        .wait_for(SCENARIO, |e| e["type"] == "start")
        .await;
    let id = start["call"]["id"].as_str().unwrap().to_owned();
    sipp.finishes(SCENARIO).await;
    let end = line.end_of(&id).await;
    let call = &end["call"];
    assert_eq!(call["type"], "Inbound");
    assert_eq!(call["status"], "Completed");
    assert_eq!(call["metadata"]["to"], line.phone_number.as_str());
    assert_eq!(call["use_case"]["id"], line.use_case_id.as_str());
    assert!(
        !said_by(&end, "assistant").is_empty(),
        "the agent greeted the caller: {end}"
    );
}

/// What the far end says in the conversation test: espeak-ng's words that pocketsphinx
/// recognizes through the phone path (mu-law at 8 kHz), and the word the test looks for.
const FAR_END_SAYS: &str = "I will call you tomorrow";
const KEY_WORD: &str = "tomorrow";

#[tokio::test(flavor = "multi_thread")]
async fn a_conversation_on_a_real_line_is_heard_recorded_and_keyed() {
    if !enabled("a_conversation_on_a_real_line_is_heard_recorded_and_keyed") {
        return;
    }
    let (wav, speech_ms) = far_end_speech(FAR_END_SAYS).await;
    let sipp = Sipp::answering_with(
        "uas_answer_speak_hangup.xml",
        &[("speech.wav", &wav)],
        &[("SPEECH_MS", speech_ms.to_string())],
    );
    let line = Line::start(Network::Sip, Some(sipp.addr), &[]).await;
    let id = line.dial("+14155550123").await;
    sipp.finishes(SCENARIO).await;
    let end = line.end_of(&id).await;
    let call = &end["call"];
    assert_eq!(call["status"], "Completed", "{end}");
    assert_eq!(call["end_reason"], "customer_hangup");
    assert!(
        call["duration"].as_f64().unwrap() > 3.0,
        "{}",
        call["duration"]
    );

    let messages = end["content"]["messages"].as_array().unwrap();
    let heard = said_by(&end, "user");
    println!("recognized: {heard:?}");
    assert!(
        heard.iter().any(|words| words.contains(KEY_WORD)),
        "the far end's {FAR_END_SAYS:?} was recognized: {heard:?}"
    );
    let user = messages.iter().find(|m| m["role"] == "user").unwrap();
    let (start, stop) = (
        user["start"].as_f64().unwrap(),
        user["end"].as_f64().unwrap(),
    );
    assert!(0.5 < start && start < stop, "real timing: {start}..{stop}");
    assert!(messages.iter().any(|m| m["role"] == "assistant"));
    line.logged(&end, "key 1 pressed").await;

    let (left, right) = line.recording(&id).await;
    assert!(voiced_ms(&left) >= 200, "the agent's side has speech");
    assert!(
        voiced_ms(&right) >= 1000,
        "the far end's side has its sentence"
    );
}

/// `words` as espeak-ng says them at 8 kHz, after a second of silence and before half a
/// second (the recognizer needs to hear silence before speech to tell it apart).
async fn spoken(words: &str) -> Vec<i16> {
    let mut audio = vec![0i16; 8000];
    audio.extend(
        switchyard_voice::tts::synthesize(words, "en-us")
            .await
            .unwrap(),
    );
    audio.extend(vec![0i16; 4000]);
    audio
}

/// What the far end says, as SIPp plays it: a mu-law WAV at 8 kHz; and how long it lasts,
/// in milliseconds.
async fn far_end_speech(words: &str) -> (Vec<u8>, u64) {
    use switchyard_voice::g711::Codec;
    let audio = spoken(words).await;
    let data = Codec::Pcmu.encode(&audio);
    let len = |n: usize| u32::try_from(n).unwrap().to_le_bytes();
    let mut wav = Vec::with_capacity(data.len() + 58);
    wav.extend(b"RIFF");
    wav.extend(len(data.len() + 50));
    wav.extend(b"WAVEfmt ");
    // WAVE_FORMAT_MULAW (7), mono, 8000 Hz, 8000 bytes/s, 1-byte blocks, 8 bits, no extra.
    wav.extend(len(18));
    wav.extend([7, 0, 1, 0]);
    wav.extend(len(8000));
    wav.extend(len(8000));
    wav.extend([1, 0, 8, 0, 0, 0]);
    wav.extend(b"fact");
    wav.extend(len(4));
    wav.extend(len(audio.len()));
    wav.extend(b"data");
    wav.extend(len(data.len()));
    wav.extend(data);
    (wav, audio.len() as u64 / 8)
}

/// The words of `role` (`user`, `assistant`) in an `end` webhook's messages, in order.
fn said_by<'a>(end: &'a Value, role: &str) -> Vec<&'a str> {
    end["content"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == role)
        .map(|m| m["content"].as_str().unwrap())
        .collect()
}

/// Milliseconds of a channel that carry speech: its 20 ms frames loud enough for a voice
/// (a busy machine may delay the agent's words, never silence them all).
fn voiced_ms(samples: &[i16]) -> usize {
    samples
        .chunks(160)
        .filter(|frame| rms(frame) > 500.0)
        .count()
        * 20
}

fn rms(samples: &[i16]) -> f64 {
    let energy: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (energy / samples.len().max(1) as f64).sqrt()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inbound_sip_call_after_hours_hears_the_message_and_is_hung_up() {
    if !enabled("an_inbound_sip_call_after_hours_hears_the_message_and_is_hung_up") {
        return;
    }
    // Open for one hour, two hours from now (UTC): closed now.
    let opens = (hour_now_utc() + 2) % 24;
    let closes = if opens == 23 {
        "23:59".to_owned()
    } else {
        format!("{:02}:00", opens + 1)
    };
    let message = "Thanks for calling Acme Freight. We are closed now.";
    let hours = json!({
        "work_start": format!("{opens:02}:00"),
        "work_end": closes,
        "timezone": "UTC",
        "generic_after_hours_message": message,
    });
    let line = Line::start_with(Network::Sip, None, &[], hours).await;
    let sipp = Sipp::calling("uac_call_wait_bye.xml", line.sip, &line.phone_number);
    let start = line
        .receiver
        .wait_for(SCENARIO, |e| e["type"] == "start")
        .await;
    let id = start["call"]["id"].as_str().unwrap().to_owned();
    let end = line.end_of(&id).await;
    assert_eq!(end["call"]["status"], "Completed", "{end}");
    assert_eq!(end["call"]["end_reason"], "after_hours");
    let said = said_by(&end, "assistant");
    assert_eq!(said, [message]);
    let messages = sipp.finishes(SCENARIO).await;
    assert!(
        messages.contains("BYE sip:"),
        "we hung up after the message"
    );
    let (left, _) = line.recording(&id).await;
    assert!(voiced_ms(&left) >= 1000, "the message was played");
}

/// The hour of the day now, in UTC.
fn hour_now_utc() -> u64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (secs / 3600) % 24
}

#[tokio::test(flavor = "multi_thread")]
async fn baresip_answers_speaks_and_hangs_up() {
    if !enabled("baresip_answers_speaks_and_hangs_up") {
        return;
    }
    let number = "+14155550123";
    // baresip hangs up when its file ends: four more seconds let the agent answer.
    let mut speech = spoken(FAR_END_SAYS).await;
    speech.extend(vec![0; 4 * 8000]);
    let far_end = Baresip::answering(number, &speech).await;
    let line = Line::start(Network::Sip, Some(far_end.addr), &[]).await;
    let id = line.dial(number).await;
    let end = line.end_of(&id).await;
    assert_eq!(end["call"]["status"], "Completed", "{end}");
    assert_eq!(
        end["call"]["end_reason"], "customer_hangup",
        "baresip hung up"
    );
    let heard = said_by(&end, "user");
    println!("recognized from baresip: {heard:?}");
    assert!(heard.iter().any(|w| w.contains(KEY_WORD)), "{heard:?}");
    let (left, right) = line.recording(&id).await;
    assert!(voiced_ms(&left) >= 200 && voiced_ms(&right) >= 1000);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answering_machine_is_told_from_its_greeting() {
    if !enabled("an_answering_machine_is_told_from_its_greeting") {
        return;
    }
    let greeting = "Hi, you have reached the voicemail of John Smith at Acme Freight. \
                    I cannot take your call right now. Please leave your name and number \
                    after the tone and I will call you back.";
    let (wav, _) = far_end_speech(greeting).await;
    let sipp = Sipp::answering_with(
        "uas_answer_speak_wait_bye.xml",
        &[("speech.wav", &wav)],
        &[],
    );
    let amd = json!({"amd": true, "amd_behavior": "Hangup"});
    let line = Line::start_with(Network::Sip, Some(sipp.addr), &[], amd).await;
    let id = line.dial("+14155550123").await;
    let end = line.end_of(&id).await;
    assert_eq!(end["call"]["status"], "AMD Terminated", "{end}");
    assert_eq!(end["call"]["answered_by"], "machine");
    line.logged(&end, "answering machine detected from the audio")
        .await;
    let messages = sipp.finishes(SCENARIO).await;
    assert!(messages.contains("BYE sip:"), "we hung up on the machine");
}

#[tokio::test(flavor = "multi_thread")]
async fn silence_gets_reminders_then_the_agent_hangs_up() {
    if !enabled("silence_gets_reminders_then_the_agent_hangs_up") {
        return;
    }
    let sipp = Sipp::answering("uas_answer_wait_bye.xml");
    let one_reminder = json!({"disable_end_call_after_n_reminders": 1});
    let line = Line::start_with(Network::Sip, Some(sipp.addr), &[], one_reminder).await;
    let id = line.dial("+14155550123").await;
    let end = line.end_of(&id).await;
    assert_eq!(end["call"]["status"], "Completed", "{end}");
    assert_eq!(end["call"]["end_reason"], "agent_hangup");
    let said = said_by(&end, "assistant");
    assert_eq!(said.len(), 3, "greeting, one reminder, goodbye: {said:?}");
    assert_eq!(said[1], "Are you still there?");
    assert!(said[2].contains("try again later"), "{said:?}");
    sipp.finishes(SCENARIO).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_maximum_duration_hangs_up_a_real_line() {
    if !enabled("the_maximum_duration_hangs_up_a_real_line") {
        return;
    }
    let sipp = Sipp::answering("uas_answer_wait_bye.xml");
    let line = Line::start(Network::Sip, Some(sipp.addr), &[]).await;
    let call = line
        .api
        .post(
            "/dial/outbound",
            json!({"number_id": line.number_id, "phone_number": "+14155550123", "max_duration_mins": 1}),
        )
        .await;
    let id = call["id"].as_str().unwrap();
    let end = line.end_of(id).await;
    assert_eq!(end["call"]["status"], "Completed", "{end}");
    assert_eq!(end["call"]["end_reason"], "max_duration");
    let talked = end["call"]["duration"].as_f64().unwrap();
    assert!((59.0..65.0).contains(&talked), "a minute: {talked}");
    let messages = sipp.finishes(SCENARIO).await;
    assert!(messages.contains("BYE sip:"), "SIPp saw our BYE");
}

/// `serve --telephony sip` with `args`: it must refuse to start, saying `why`.
fn refused_at_start(args: &[&str], why: &str) {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["serve", "--addr", "127.0.0.1:0", "--telephony", "sip"])
        .args(args)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(why), "{stderr}");
}

#[test]
fn a_sip_line_refuses_a_faster_clock() {
    refused_at_start(
        &["--sim-speed", "20"],
        "only applies to the simulated network",
    );
}

#[test]
fn a_sip_line_refuses_to_bind_every_interface() {
    refused_at_start(
        &["--sip-bind", "0.0.0.0:5060"],
        "bind to the IP address the trunk reaches",
    );
}

#[test]
fn sip_telephony_without_the_speech_programs_names_the_packages() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["serve", "--addr", "127.0.0.1:0", "--telephony", "sip"])
        .env("PATH", dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("apt install espeak-ng"), "{stderr}");
}
