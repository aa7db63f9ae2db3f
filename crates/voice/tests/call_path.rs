//! The whole path of a call's audio in real time: the agent's synthesized speech over RTP to
//! a far end that detects it and recognizes it, as the glue will wire it.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use switchyard_voice::g711::Codec;
use switchyard_voice::rtp::{MediaConfig, MediaEvent, MediaLeg, MediaSocket, RtpPorts};
use switchyard_voice::stt::Recognizer;
use switchyard_voice::vad::{Vad, VadEvent};
use switchyard_voice::{SAMPLE_RATE, tts};
use tokio::time::timeout;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const PORTS: RtpPorts = RtpPorts {
    low: 40000,
    high: 49999,
};

#[tokio::test]
async fn speech_sent_over_rtp_is_detected_and_recognized_at_the_far_end() {
    if !common::enabled("speech_sent_over_rtp_is_detected_and_recognized_at_the_far_end") {
        return;
    }
    let speech = tts::synthesize("I will call you tomorrow", "en-us")
        .await
        .expect("espeak-ng runs");
    let socket_agent = MediaSocket::bind(LOCALHOST, &PORTS).await.unwrap();
    let socket_far = MediaSocket::bind(LOCALHOST, &PORTS).await.unwrap();
    let config = |remote| MediaConfig {
        remote,
        codec: Codec::Pcma,
        dtmf_payload_type: None,
    };
    let far_addr = socket_far.local_addr();
    let (agent, mut agent_events) = MediaLeg::start(socket_agent, config(far_addr));
    let (far, mut far_events) = MediaLeg::start(socket_far, config(far_addr));
    let (mut recognizer, mut heard) = Recognizer::start().expect("pocketsphinx starts");
    let mut vad = Vad::new();
    // The agent waits a second after answer, as a caller would: pocketsphinx also needs
    // some silence to settle on the line's level before the first word.
    agent.play(vec![0; SAMPLE_RATE as usize]);
    agent.play(speech);

    let mut vad_events = Vec::new();
    let mut finished_at = None;
    let utterance = timeout(Duration::from_secs(15), async {
        loop {
            tokio::select! {
                Some(event) = far_events.recv() => {
                    if let MediaEvent::FarEndAudio(frame) = event {
                        recognizer.push(&frame);
                        vad_events.extend(vad.push(&frame));
                    }
                }
                Some(event) = agent_events.recv() => {
                    if event == MediaEvent::PlaybackFinished {
                        finished_at = Some(Instant::now());
                    }
                }
                Some(utterance) = heard.recv() => break utterance,
            }
        }
    })
    .await
    .expect("an utterance within 15 s");
    let latency = finished_at.map(|at| at.elapsed());
    println!("{utterance:?}, {latency:?} after the prompt ended; VAD: {vad_events:?}");

    assert!(
        utterance.text.contains("call") || utterance.text.contains("tomorrow"),
        "{utterance:?}"
    );
    assert_eq!(vad_events.first(), Some(&VadEvent::SpeechStarted));
    assert!(latency.is_some_and(|latency| latency < Duration::from_secs(2)));
    recognizer.finish().await;
    agent.stop().await;
    far.stop().await;
}
