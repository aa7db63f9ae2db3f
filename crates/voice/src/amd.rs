//! Answering-machine detection from the far end's first seconds: people answer with a short
//! "Hello?" and wait; machines play a long greeting, or a beep.

use crate::SAMPLE_RATE;
use crate::vad::{Vad, VadEvent, rms};

/// "Hello?", "Hi, this is Ana": well under two seconds, then the caller is expected to talk.
const HUMAN_GREETING_MAX_MS: u32 = 2000;
/// "Hi, you've reached ... leave a message": people rarely talk this long without a pause.
const MACHINE_GREETING_MIN_MS: u32 = 3500;
/// Give up after 5 s (250 frames) so that the call can go on, e.g. when nobody says anything.
const DECISION_LIMIT_FRAMES: u32 = 250;

/// Voicemail beeps are single tones, mostly 1000 Hz or 1400 Hz, some 440 Hz: candidates from
/// 400 to 2000 Hz. A 160-sample frame resolves 50 Hz; candidates 25 Hz apart catch any tone
/// within a quarter of that, where it still puts 81% of its energy in the nearest candidate
/// (halfway between 50 Hz candidates it would be 41%).
const BEEP_CANDIDATES_HZ: std::ops::RangeInclusive<u32> = 16..=80;
const BEEP_CANDIDATE_STEP_HZ: f64 = 25.0;
/// A frame is tonal when one candidate holds this share of its energy; speech spreads its
/// energy over many harmonics and formants.
const BEEP_ENERGY_SHARE: f64 = 0.7;
/// Quieter than this, a tone is line noise, not a beep.
const BEEP_MIN_RMS: f64 = 300.0;
/// 160 ms (8 frames) of the same tone: beeps last 150 ms to over a second.
const BEEP_MIN_FRAMES: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Human,
    Machine { why: &'static str },
    Unknown,
}

#[derive(Debug, Clone, Default)]
pub struct MachineDetector {
    vad: Vad,
    beep: BeepDetector,
    frames: u32,
    decided: bool,
}

impl MachineDetector {
    pub fn new() -> MachineDetector {
        MachineDetector::default()
    }

    /// Feeds the far end's next 20 ms from the moment of answer; returns the verdict once.
    pub fn push(&mut self, frame: &[i16]) -> Option<Verdict> {
        if self.decided {
            return None;
        }
        self.frames += 1;
        let verdict = self.judge(frame);
        self.decided = verdict.is_some();
        verdict
    }

    fn judge(&mut self, frame: &[i16]) -> Option<Verdict> {
        if self.beep.push(frame) {
            return Some(Verdict::Machine {
                why: "a beep (a steady single tone)",
            });
        }
        if let Some(VadEvent::SpeechEnded { speech_ms }) = self.vad.push(frame)
            && speech_ms < HUMAN_GREETING_MAX_MS
        {
            return Some(Verdict::Human);
        }
        if self
            .vad
            .current_speech_ms()
            .is_some_and(|speech_ms| speech_ms >= MACHINE_GREETING_MIN_MS)
        {
            return Some(Verdict::Machine {
                why: "a greeting longer than 3.5 s",
            });
        }
        (self.frames >= DECISION_LIMIT_FRAMES).then_some(Verdict::Unknown)
    }
}

#[derive(Debug, Clone, Default)]
struct BeepDetector {
    tone: Option<u32>,
    frames: u32,
}

impl BeepDetector {
    /// Whether the tone that this frame continues has now lasted long enough to be a beep.
    fn push(&mut self, frame: &[i16]) -> bool {
        let tone = dominant_tone(frame);
        // Adjacent candidates count as the same tone: one between them wavers from frame to frame.
        let continues =
            matches!((self.tone, tone), (Some(before), Some(now)) if before.abs_diff(now) <= 1);
        self.frames = match tone {
            Some(_) if continues => self.frames + 1,
            Some(_) => 1,
            None => 0,
        };
        self.tone = tone;
        self.frames >= BEEP_MIN_FRAMES
    }
}

/// The candidate (as a multiple of the step) holding most of the frame's energy, if any does.
fn dominant_tone(frame: &[i16]) -> Option<u32> {
    if frame.is_empty() || rms(frame) < BEEP_MIN_RMS {
        return None;
    }
    let energy: f64 = frame.iter().map(|&sample| f64::from(sample).powi(2)).sum();
    BEEP_CANDIDATES_HZ
        .map(|candidate| {
            let power = goertzel_power(frame, f64::from(candidate) * BEEP_CANDIDATE_STEP_HZ);
            // A pure tone of amplitude A has power (A·N/2)² and energy A²·N/2.
            (candidate, 2.0 * power / (frame.len() as f64 * energy))
        })
        .filter(|&(_, share)| share >= BEEP_ENERGY_SHARE)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(candidate, _)| candidate)
}

/// The squared magnitude of one DFT bin at `hz`, by the Goertzel recurrence.
fn goertzel_power(frame: &[i16], hz: f64) -> f64 {
    let coefficient = 2.0 * (std::f64::consts::TAU * hz / f64::from(SAMPLE_RATE)).cos();
    let (mut previous, mut before_previous) = (0.0, 0.0);
    for &sample in frame {
        let current = f64::from(sample) + coefficient * previous - before_previous;
        before_previous = previous;
        previous = current;
    }
    previous * previous + before_previous * before_previous
        - coefficient * previous * before_previous
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FRAME_SAMPLES;
    use crate::vad::synthetic::{line_noise, speech};

    fn tone(hz: f64, seconds: f64) -> Vec<Vec<i16>> {
        let samples: Vec<i16> = (0..(seconds * 8000.0) as usize)
            .map(|n| (6000.0 * (std::f64::consts::TAU * hz * n as f64 / 8000.0).sin()) as i16)
            .collect();
        samples.chunks(FRAME_SAMPLES).map(<[i16]>::to_vec).collect()
    }

    /// The verdict and the frame (from answer) it came at.
    fn verdict(frames: &[Vec<i16>]) -> Option<(usize, Verdict)> {
        let mut detector = MachineDetector::new();
        let verdicts: Vec<(usize, Verdict)> = frames
            .iter()
            .enumerate()
            .filter_map(|(index, frame)| detector.push(frame).map(|verdict| (index, verdict)))
            .collect();
        assert!(verdicts.len() <= 1, "{verdicts:?}");
        verdicts.first().copied()
    }

    #[test]
    fn a_short_hello_then_silence_is_a_human() {
        let frames = [line_noise(0.4, 1), speech(0.8, 2), line_noise(2.0, 3)].concat();
        let (index, found) = verdict(&frames).unwrap();
        assert_eq!(found, Verdict::Human);
        assert!(index < 100, "decided at frame {index}");
    }

    #[test]
    fn a_long_greeting_is_a_machine() {
        let frames = [line_noise(0.4, 1), speech(6.0, 2)].concat();
        let (index, found) = verdict(&frames).unwrap();
        assert_eq!(
            found,
            Verdict::Machine {
                why: "a greeting longer than 3.5 s"
            }
        );
        assert!((190..=200).contains(&index), "decided at frame {index}");
    }

    #[test]
    fn beeps_on_and_between_candidates_are_a_machine() {
        for hz in [440.0, 912.5, 1000.0, 1400.0, 1987.5] {
            let frames = [line_noise(0.5, 1), tone(hz, 0.3), line_noise(1.0, 2)].concat();
            let (index, found) = verdict(&frames).unwrap();
            assert_eq!(
                found,
                Verdict::Machine {
                    why: "a beep (a steady single tone)"
                },
                "{hz} Hz"
            );
            assert_eq!(index, 25 + BEEP_MIN_FRAMES as usize - 1, "{hz} Hz");
        }
    }

    #[test]
    fn a_short_chirp_is_not_a_beep() {
        let frames = [line_noise(0.5, 1), tone(1000.0, 0.1), line_noise(5.0, 2)].concat();
        assert_eq!(verdict(&frames).unwrap().1, Verdict::Unknown);
    }

    #[test]
    fn speech_is_never_tonal() {
        assert!(
            speech(10.0, 7)
                .iter()
                .all(|frame| dominant_tone(frame).is_none())
        );
    }

    #[test]
    fn silence_is_unknown_after_five_seconds() {
        assert_eq!(verdict(&line_noise(8.0, 1)), Some((249, Verdict::Unknown)));
    }
}
