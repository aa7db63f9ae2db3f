//! The real speech programs. With `SWITCHYARD_TEST_TELEPHONY` set these fail, rather than
//! skip, when espeak-ng or pocketsphinx is missing: CI installs them (`apt install espeak-ng
//! pocketsphinx pocketsphinx-en-us`).

mod common;

use std::time::Instant;

use switchyard_voice::g711::Codec;
use switchyard_voice::stt::{Heard, Recognizer};
use switchyard_voice::{FRAME_SAMPLES, SAMPLE_RATE, speech, tts};

fn rms(samples: &[i16]) -> f64 {
    let energy: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (energy / samples.len().max(1) as f64).sqrt()
}

#[test]
fn the_speech_programs_are_installed() {
    if !common::enabled("the_speech_programs_are_installed") {
        return;
    }
    speech::check_installed().expect("the speech programs");
}

#[tokio::test]
async fn a_short_sentence_becomes_a_few_seconds_of_8_khz_speech() {
    if !common::enabled("a_short_sentence_becomes_a_few_seconds_of_8_khz_speech") {
        return;
    }
    let speech = tts::synthesize("No thank you, call me back later.", "en-us")
        .await
        .expect("espeak-ng runs");
    let seconds = speech.len() as f64 / f64::from(SAMPLE_RATE);
    println!("{seconds:.2} s, RMS {:.0}", rms(&speech));
    assert!((0.5..=5.0).contains(&seconds), "{seconds} s");
    assert!(rms(&speech) > 1000.0, "RMS {}", rms(&speech));
}

#[tokio::test]
async fn text_that_looks_like_an_option_is_spoken() {
    if !common::enabled("text_that_looks_like_an_option_is_spoken") {
        return;
    }
    let speech = tts::synthesize("-v fr", "en-us")
        .await
        .expect("espeak-ng runs");
    assert!(speech.len() > 1000);
}

/// espeak-ng says "I will call you tomorrow" (150 words per minute), through mu-law and back
/// as on a phone line, between 1 s silences. This path recognized it word for word:
/// "i will call you tomorrow". Other sentences fared worse through espeak-ng's voice, e.g.
/// "please call me tomorrow" -> "you all eat old", "hello I can take the load to Dallas
/// tomorrow" -> "oh like an old that oh"; "one two three four five" -> "well you two three four
/// five" was the runner-up.
#[tokio::test]
async fn a_synthesized_sentence_over_the_phone_path_is_recognized() {
    if !common::enabled("a_synthesized_sentence_over_the_phone_path_is_recognized") {
        return;
    }
    let speech = tts::synthesize("I will call you tomorrow", "en-us")
        .await
        .expect("espeak-ng runs");
    let phone_line = Codec::Pcmu.decode(&Codec::Pcmu.encode(&speech));
    let silence = vec![0_i16; SAMPLE_RATE as usize];
    let audio = [silence.clone(), phone_line, silence].concat();

    let started = Instant::now();
    let (mut recognizer, mut heard) = Recognizer::start().expect("pocketsphinx starts");
    for frame in audio.chunks(FRAME_SAMPLES) {
        recognizer.push(frame);
    }
    let rest = recognizer.finish().await;
    let elapsed = started.elapsed();
    let mut utterances: Vec<Heard> = Vec::new();
    while let Ok(utterance) = heard.try_recv() {
        utterances.push(utterance);
    }
    utterances.extend(rest);
    println!("{utterances:?} in {elapsed:?}");

    let text: Vec<&str> = utterances.iter().map(|u| u.text.as_str()).collect();
    let text = text.join(" ");
    assert!(
        ["call", "tomorrow"].iter().any(|word| text.contains(word)),
        "{text:?}"
    );
    let first = &utterances[0];
    let speech_end = 1.0 + speech.len() as f64 / f64::from(SAMPLE_RATE);
    assert!((0.9..1.6).contains(&first.start_secs), "{first:?}");
    assert!(
        first.end_secs <= speech_end + 0.1,
        "{first:?} after {speech_end}"
    );
}
