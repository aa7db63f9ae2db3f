//! One SIP call from the INVITE to the last word: it reports the signalling to the engine,
//! then holds the conversation on the line. The far end's audio goes to the recognizer
//! (its utterances become the agent's turns), to the voice activity detector (the far end
//! speaking over the agent stops the agent: a barge-in) and, with AMD on, to the machine
//! detector; the agent's words are synthesized and played. Timing is the media clock's:
//! one 20 ms frame after another from the answer.

use super::outcome;
use crate::provider::{EngineLink, LineAgent, Reply};
use serde_json::json;
use std::sync::Arc;
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::conversation::Conversation;
use switchyard_core::enums::{AmdBehavior, AnsweredBy, CallType, EndReason};
use switchyard_core::run::ProviderEvent;
use switchyard_sip::sdp::{self, RemoteMedia};
use switchyard_sip::{CallLeg, SignalEvent};
use switchyard_voice::amd::{MachineDetector, Verdict};
use switchyard_voice::g711::Codec;
use switchyard_voice::rtp::{MediaConfig, MediaEvent, MediaLeg, MediaSocket};
use switchyard_voice::stt::{Heard, Recognizer};
use switchyard_voice::vad::{Vad, VadEvent};
use switchyard_voice::{FRAME_SAMPLES, SAMPLE_RATE, tts};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

/// Seconds of silence from the far end, after the agent's last words, before a reminder.
const REMINDER_AFTER_SECS: f64 = 8.0;
const FRAME_SECS: f64 = FRAME_SAMPLES as f64 / SAMPLE_RATE as f64;
/// How long the recognizer may take to finish the far end's last words once the line closed.
const RECOGNIZER_DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

/// How the call reached the session.
pub(super) enum Start {
    /// An outbound INVITE is on its way.
    Dialing {
        leg: CallLeg,
        signals: UnboundedReceiver<SignalEvent>,
    },
    /// An inbound call the provider answered.
    Answered {
        leg: CallLeg,
        signals: UnboundedReceiver<SignalEvent>,
        remote: RemoteMedia,
    },
}

pub(super) struct SessionParts {
    pub call: Call,
    pub link: Arc<dyn EngineLink>,
    pub socket: MediaSocket,
    pub start: Start,
}

/// What an answered call leaves for the engine (nothing, if it was never answered).
#[derive(Default)]
pub(super) struct Finished {
    pub conversation: Option<Conversation>,
    pub recording: Option<Vec<u8>>,
}

/// Words being played: what, since when, and why the call ends after them, if it does.
struct Playing {
    text: String,
    start: f64,
    then_hang_up: Option<EndReason>,
}

pub(super) struct Session {
    call: Call,
    link: Arc<dyn EngineLink>,
    leg: CallLeg,
    media: MediaLeg,
    agent: Box<dyn LineAgent>,
    voice: &'static str,
    frames: u64,
    playing: Option<Playing>,
    /// When the far end or the agent last spoke (the reminder counts from then).
    last_activity: f64,
    vad: Vad,
    /// Listening for a machine before the agent speaks (`amd` on, outbound).
    detector: Option<MachineDetector>,
}

impl Session {
    pub(super) async fn run(parts: SessionParts, hang_up: CancellationToken) -> Finished {
        let SessionParts {
            call,
            link,
            socket,
            start,
        } = parts;
        let report = |event| link.report(call.organization_id, call.id, event);
        let (leg, signals, remote) = match start {
            Start::Answered {
                leg,
                signals,
                remote,
            } => {
                report(ProviderEvent::Ringing);
                (leg, signals, remote)
            }
            Start::Dialing { leg, signals } => {
                report(ProviderEvent::Initiated);
                match dial(&leg, signals, &hang_up, &report).await {
                    Some((signals, remote)) => (leg, signals, remote),
                    None => return Finished::default(),
                }
            }
        };
        let config = MediaConfig {
            remote: remote.addr,
            codec: Codec::from_payload_type(remote.payload_type).unwrap_or(Codec::Pcmu),
            dtmf_payload_type: remote.dtmf_payload_type,
        };
        let (media, media_events) = MediaLeg::start(socket, config);
        report(ProviderEvent::MediaOpen);
        let answered = link.now(call.organization_id);
        let agent = match answered {
            Some(answered) => link.agent(&call, answered).await,
            None => None,
        };
        let Some(agent) = agent else {
            // The engine is shutting down: nobody will hear this call out.
            let _ = leg.hang_up().await;
            media.stop().await;
            return Finished::default();
        };
        let amd = call.use_case.amd && call.call_type == CallType::Outbound;
        let session = Session {
            voice: tts::voice_for(call.language.as_str()),
            detector: amd.then(MachineDetector::new),
            call,
            link,
            leg,
            media,
            agent,
            frames: 0,
            playing: None,
            last_activity: 0.0,
            vad: Vad::new(),
        };
        session.converse(signals, media_events, hang_up).await
    }

    async fn converse(
        mut self,
        mut signals: UnboundedReceiver<SignalEvent>,
        mut media_events: UnboundedReceiver<MediaEvent>,
        hang_up: CancellationToken,
    ) -> Finished {
        let (mut recognizer, mut heard) = match Recognizer::start() {
            Ok(started) => started,
            Err(error) => {
                self.log_error(format!("the speech recognizer did not start: {error}"));
                self.report(ProviderEvent::Failed {
                    reason: "the speech recognizer did not start".into(),
                    sip: None,
                });
                return self.close(None).await;
            }
        };
        if self.detector.is_none() {
            self.report(ProviderEvent::Answered {
                by: AnsweredBy::Unknown,
            });
            let opening = self.agent.opening(0.0).await;
            self.speak(opening).await;
        }
        loop {
            tokio::select! {
                () = hang_up.cancelled() => {
                    // The engine ended the call (a stop, the maximum duration, AMD).
                    let _ = self.leg.hang_up().await;
                    break;
                }
                signal = signals.recv() => {
                    if matches!(signal, Some(SignalEvent::HungUp) | None) {
                        self.report(ProviderEvent::Hangup { reason: EndReason::CustomerHangup });
                        break;
                    }
                }
                event = media_events.recv() => match event {
                    Some(MediaEvent::FarEndAudio(frame)) => {
                        recognizer.push(&frame);
                        self.hear(&frame).await;
                    }
                    Some(MediaEvent::PlaybackFinished) => {
                        if self.played().await {
                            break;
                        }
                    }
                    Some(MediaEvent::Dtmf { digit, duration_ms }) => {
                        self.report(ProviderEvent::Dtmf { digit: digit.to_string(), duration_ms });
                    }
                    None => break,
                },
                Some(words) = heard.recv() => {
                    self.last_activity = self.now();
                    let reply = self.agent.heard(&words.text, words.start_secs, words.end_secs).await;
                    self.speak(reply).await;
                }
            }
        }
        // The far end's last words are still being recognized; a recognizer that fell
        // behind (a busy machine) is not waited for long, or the end of the call would be.
        let rest = match tokio::time::timeout(RECOGNIZER_DRAIN, recognizer.finish()).await {
            Ok(rest) => rest,
            Err(_) => {
                let at = self.agent.at(self.now());
                self.agent.log(NewLog::warn(
                    at,
                    "voice",
                    "the recognizer had not caught up when the line closed: the far end's last words are lost",
                    json!({}),
                ));
                Vec::new()
            }
        };
        self.close(Some(rest)).await
    }

    /// One frame of the far end's audio: AMD, barge-in, reminders.
    async fn hear(&mut self, frame: &[i16]) {
        self.frames += 1;
        if let Some(detector) = self.detector.as_mut()
            && let Some(verdict) = detector.push(frame)
        {
            self.detector = None;
            self.on_verdict(verdict).await;
            return;
        }
        if let Some(VadEvent::SpeechStarted) = self.vad.push(frame)
            && self.media.is_playing()
            && self.detector.is_none()
        {
            self.media.stop_playback();
            let now = self.now();
            if let Some(cut) = self.playing.take() {
                self.agent.log(NewLog::info(
                    self.agent.at(now),
                    "agent",
                    "barge-in: the far end spoke over the agent, who stopped",
                    json!({"cut_after_secs": now - cut.start}),
                ));
                self.agent.said(&cut.text, cut.start, now);
            }
            self.last_activity = now;
        }
        let quiet = self.playing.is_none() && self.detector.is_none();
        if quiet && self.now() - self.last_activity >= REMINDER_AFTER_SECS {
            self.last_activity = self.now();
            let reply = self.agent.silence();
            self.speak(reply).await;
        }
    }

    /// What the machine detector decided, applied with the use case's `amd_behavior`.
    async fn on_verdict(&mut self, verdict: Verdict) {
        let by = match verdict {
            Verdict::Human => AnsweredBy::Human,
            Verdict::Unknown => AnsweredBy::Unknown,
            Verdict::Machine { why } => {
                self.agent.log(NewLog::info(
                    self.agent.at(self.now()),
                    "amd",
                    format!("answering machine detected from the audio: {why}"),
                    json!({"why": why}),
                ));
                AnsweredBy::Machine
            }
        };
        self.report(ProviderEvent::Answered { by });
        if by == AnsweredBy::Machine {
            match self
                .call
                .use_case
                .amd_behavior
                .unwrap_or(AmdBehavior::Hangup)
            {
                // The engine ends the call and hangs up.
                AmdBehavior::Hangup => return,
                AmdBehavior::Message => {
                    let message = self.link.voicemail(&self.call);
                    self.say(message, Some(EndReason::Voicemail)).await;
                    return;
                }
                AmdBehavior::Continue => {}
            }
        }
        let opening = self.agent.opening(self.now()).await;
        self.speak(opening).await;
    }

    /// The agent's words were played out. `true` when the agent hangs up after them.
    async fn played(&mut self) -> bool {
        let Some(done) = self.playing.take() else {
            return false;
        };
        let now = self.now();
        self.agent.said(&done.text, done.start, now);
        self.last_activity = now;
        if let Some(reason) = done.then_hang_up {
            let _ = self.leg.hang_up().await;
            self.report(ProviderEvent::Hangup { reason });
            return true;
        }
        false
    }

    async fn speak(&mut self, reply: Reply) {
        if let Some(text) = reply.say {
            let then = reply.hang_up.then_some(EndReason::AgentHangup);
            self.say(text, then).await;
        }
    }

    /// Plays `text`, cutting what was still playing.
    async fn say(&mut self, text: String, then_hang_up: Option<EndReason>) {
        if let Some(cut) = self.playing.take() {
            self.media.stop_playback();
            let now = self.now();
            self.agent.said(&cut.text, cut.start, now);
        }
        match tts::synthesize(&text, self.voice).await {
            Ok(audio) => self.media.play(audio),
            Err(error) => self.log_error(format!("speech synthesis failed: {error}")),
        }
        self.playing = Some(Playing {
            text,
            start: self.now(),
            then_hang_up,
        });
    }

    /// Stops the media and hands over the conversation, with the far end's last words.
    async fn close(mut self, rest: Option<Vec<Heard>>) -> Finished {
        let now = self.now();
        if let Some(cut) = self.playing.take() {
            self.agent.said(&cut.text, cut.start, now);
        }
        for words in rest.unwrap_or_default() {
            self.agent
                .overheard(&words.text, words.start_secs, words.end_secs);
        }
        let recording = self.media.stop().await;
        let stats = &recording.stats;
        self.agent.log(NewLog::info(
            self.agent.at(now),
            "media",
            format!(
                "RTP: {} packets sent, {} received; send timing p95 {:.1} ms, receive jitter {:.1} ms",
                stats.packets_sent,
                stats.packets_received,
                stats.send_jitter_p95_ms,
                stats.receive_jitter_ms
            ),
            json!({
                "packets_sent": stats.packets_sent,
                "packets_received": stats.packets_received,
                "send_jitter_p95_ms": stats.send_jitter_p95_ms,
                "receive_jitter_ms": stats.receive_jitter_ms,
            }),
        ));
        Finished {
            conversation: Some(self.agent.finish()),
            recording: Some(recording.to_wav()),
        }
    }

    fn now(&self) -> f64 {
        self.frames as f64 * FRAME_SECS
    }

    fn report(&self, event: ProviderEvent) {
        self.link
            .report(self.call.organization_id, self.call.id, event);
    }

    fn log_error(&mut self, message: String) {
        tracing::error!(call_id = %self.call.id, "{message}");
        let at = self.agent.at(self.now());
        self.agent
            .log(NewLog::error(at, "voice", message, json!({})));
    }
}

/// An outbound call until it is answered: `None` when it ended before (busy, no answer,
/// rejected, stopped), after reporting how.
async fn dial(
    leg: &CallLeg,
    mut signals: UnboundedReceiver<SignalEvent>,
    hang_up: &CancellationToken,
    report: &impl Fn(ProviderEvent),
) -> Option<(UnboundedReceiver<SignalEvent>, RemoteMedia)> {
    let mut rang = false;
    let mut ring = |report: &dyn Fn(ProviderEvent)| {
        if !std::mem::replace(&mut rang, true) {
            report(ProviderEvent::Ringing);
        }
    };
    loop {
        let signal = tokio::select! {
            () = hang_up.cancelled() => {
                // Stopped through the API: the engine already made the call `Canceled`.
                let _ = leg.hang_up().await;
                return None;
            }
            signal = signals.recv() => signal,
        };
        match signal {
            Some(SignalEvent::Ringing { .. }) => ring(report),
            Some(SignalEvent::Answered { sdp }) => match sdp::parse(&sdp) {
                Ok(remote) => {
                    ring(report);
                    return Some((signals, remote));
                }
                Err(error) => {
                    let _ = leg.hang_up().await;
                    report(ProviderEvent::Failed {
                        reason: format!("the far end's SDP answer is unusable: {error}"),
                        sip: None,
                    });
                    return None;
                }
            },
            Some(SignalEvent::Rejected { code, reason }) => {
                let event = outcome::rejected(code, &reason);
                if !matches!(event, ProviderEvent::Failed { .. }) {
                    ring(report);
                }
                report(event);
                return None;
            }
            Some(SignalEvent::NoAnswer) => {
                ring(report);
                report(ProviderEvent::NoAnswer { sip: None });
                return None;
            }
            Some(SignalEvent::HungUp) | None => {
                report(ProviderEvent::Failed {
                    reason: "the call ended before it was answered".into(),
                    sip: None,
                });
                return None;
            }
        }
    }
}
