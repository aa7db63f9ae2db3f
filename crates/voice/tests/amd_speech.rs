//! Answering-machine detection on espeak-ng's speech, as it would arrive over a phone line.

mod common;

use switchyard_voice::amd::{MachineDetector, Verdict};
use switchyard_voice::g711::Codec;
use switchyard_voice::{FRAME_SAMPLES, SAMPLE_RATE, tts};

fn silence(seconds: f64) -> Vec<i16> {
    vec![0; (seconds * f64::from(SAMPLE_RATE)) as usize]
}

/// The verdict, and when it came in seconds from answer.
fn detect(parts: &[Vec<i16>]) -> Option<(Verdict, f64)> {
    let line = Codec::Pcma.decode(&Codec::Pcma.encode(&parts.concat()));
    let mut detector = MachineDetector::new();
    line.chunks(FRAME_SAMPLES)
        .enumerate()
        .find_map(|(index, frame)| detector.push(frame).map(|v| (v, (index + 1) as f64 * 0.02)))
}

#[tokio::test]
async fn a_hello_is_a_human() {
    if !common::enabled("a_hello_is_a_human") {
        return;
    }
    let hello = tts::synthesize("Hello?", "en-us").await.unwrap();
    let found = detect(&[silence(0.5), hello, silence(3.0)]);
    println!("{found:?}");
    assert!(
        matches!(found, Some((Verdict::Human, at)) if at < 2.5),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_voicemail_greeting_is_a_machine() {
    if !common::enabled("a_voicemail_greeting_is_a_machine") {
        return;
    }
    let greeting = tts::synthesize(
        "Hi, you have reached the Smith family. We cannot come to the phone right now. \
         Please leave a message after the tone.",
        "en-us",
    )
    .await
    .unwrap();
    let found = detect(&[silence(0.5), greeting, silence(3.0)]);
    println!("{found:?}");
    assert!(
        matches!(found, Some((Verdict::Machine { .. }, at)) if at < 5.0),
        "{found:?}"
    );
}
