//! Energy voice activity detection on 20 ms frames, for barge-in (the far end talks over our
//! prompt) and answering-machine detection.

/// Below this RMS (about -40 dBFS) a frame is never speech: telephone speech sits around
/// -20 to -30 dBFS, line noise well below.
const MIN_SPEECH_RMS: f64 = 300.0;
/// A frame is voiced when it is this far above the noise floor (about 10 dB).
const SPEECH_OVER_NOISE: f64 = 3.0;
/// The floor follows quieter frames at once but rises slowly (over about a second of
/// unvoiced frames), so a pause between words does not teach it that speech is noise.
const NOISE_FLOOR_RISE: f64 = 1.0 / 50.0;
/// Voiced frames raise it too, but so slowly (a time constant of 50 s) that a long greeting
/// barely moves it, while a steady hum that started above the threshold stops counting as
/// speech after several seconds.
const NOISE_FLOOR_RISE_IN_SPEECH: f64 = 1.0 / 2500.0;
/// 200 ms of voicing (net of unvoiced frames) before speech counts: a cough or a click is
/// not a barge-in.
const ONSET_FRAMES: u32 = 10;
/// 600 ms of silence ends speech: longer than the pauses between words of one sentence.
const HANGOVER_FRAMES: u32 = 30;
const FRAME_MS: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadEvent {
    SpeechStarted,
    /// `speech_ms` runs from the first voiced frame to the last, pauses included.
    SpeechEnded {
        speech_ms: u32,
    },
}

#[derive(Debug, Clone)]
pub struct Vad {
    noise_floor: f64,
    frame_index: u64,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Silence { onset: u32, first_voiced: u64 },
    Speech { first_voiced: u64, last_voiced: u64 },
}

impl Default for Vad {
    fn default() -> Self {
        Vad::new()
    }
}

impl Vad {
    pub fn new() -> Vad {
        Vad {
            noise_floor: MIN_SPEECH_RMS / SPEECH_OVER_NOISE,
            frame_index: 0,
            state: State::Silence {
                onset: 0,
                first_voiced: 0,
            },
        }
    }

    /// Feeds one 20 ms frame (160 samples at 8 kHz).
    pub fn push(&mut self, frame: &[i16]) -> Option<VadEvent> {
        let index = self.frame_index;
        self.frame_index += 1;
        let voiced = self.is_voiced(frame);
        match &mut self.state {
            State::Silence {
                onset,
                first_voiced,
            } => {
                if voiced {
                    if *onset == 0 {
                        *first_voiced = index;
                    }
                    *onset += 1;
                } else {
                    *onset = onset.saturating_sub(1);
                }
                if *onset >= ONSET_FRAMES {
                    self.state = State::Speech {
                        first_voiced: *first_voiced,
                        last_voiced: index,
                    };
                    return Some(VadEvent::SpeechStarted);
                }
            }
            State::Speech {
                first_voiced,
                last_voiced,
            } => {
                if voiced {
                    *last_voiced = index;
                } else if index - *last_voiced >= u64::from(HANGOVER_FRAMES) {
                    let speech_ms = frames_to_ms(*last_voiced - *first_voiced + 1);
                    self.state = State::Silence {
                        onset: 0,
                        first_voiced: 0,
                    };
                    return Some(VadEvent::SpeechEnded { speech_ms });
                }
            }
        }
        None
    }

    /// How long the current speech has lasted since its first voiced frame, if speaking.
    pub fn current_speech_ms(&self) -> Option<u32> {
        match self.state {
            State::Speech { first_voiced, .. } => {
                Some(frames_to_ms(self.frame_index - first_voiced))
            }
            State::Silence { .. } => None,
        }
    }

    fn is_voiced(&mut self, frame: &[i16]) -> bool {
        let rms = rms(frame);
        let voiced = rms >= MIN_SPEECH_RMS.max(self.noise_floor * SPEECH_OVER_NOISE);
        if rms < self.noise_floor {
            self.noise_floor = rms.max(1.0);
        } else {
            let rise = if voiced {
                NOISE_FLOOR_RISE_IN_SPEECH
            } else {
                NOISE_FLOOR_RISE
            };
            self.noise_floor += (rms - self.noise_floor) * rise;
        }
        voiced
    }
}

fn frames_to_ms(frames: u64) -> u32 {
    u32::try_from(frames)
        .unwrap_or(u32::MAX)
        .saturating_mul(FRAME_MS)
}

pub(crate) fn rms(frame: &[i16]) -> f64 {
    let energy: f64 = frame.iter().map(|&sample| f64::from(sample).powi(2)).sum();
    (energy / frame.len().max(1) as f64).sqrt()
}

#[cfg(test)]
pub(crate) mod synthetic {
    //! Speech-shaped test audio: noise with a syllable rhythm, over a quiet line.

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use crate::FRAME_SAMPLES;

    /// `seconds` of noise whose loudness swings four times a second like syllables do.
    pub(crate) fn speech(seconds: f64, seed: u64) -> Vec<Vec<i16>> {
        let mut rng = StdRng::seed_from_u64(seed);
        let frames = (seconds * 50.0) as usize;
        (0..frames)
            .map(|frame| {
                let syllable = (frame as f64 * 0.02 * 4.0 * std::f64::consts::TAU).sin();
                let loudness = 3000.0 * (0.6 + 0.4 * syllable);
                (0..FRAME_SAMPLES)
                    .map(|_| (rng.random_range(-1.0..1.0) * loudness * 1.7) as i16)
                    .collect()
            })
            .collect()
    }

    /// A quiet line: faint hiss, far below speech.
    pub(crate) fn line_noise(seconds: f64, seed: u64) -> Vec<Vec<i16>> {
        let mut rng = StdRng::seed_from_u64(seed);
        let frames = (seconds * 50.0) as usize;
        (0..frames)
            .map(|_| {
                (0..FRAME_SAMPLES)
                    .map(|_| rng.random_range(-60..60))
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::synthetic::{line_noise, speech};
    use super::*;

    fn events(frames: &[Vec<i16>]) -> Vec<(usize, VadEvent)> {
        let mut vad = Vad::new();
        frames
            .iter()
            .enumerate()
            .filter_map(|(index, frame)| vad.push(frame).map(|event| (index, event)))
            .collect()
    }

    #[test]
    fn speech_between_silences_starts_after_200_ms_and_ends_after_600_ms_of_silence() {
        let frames = [line_noise(1.0, 1), speech(1.5, 2), line_noise(1.0, 3)].concat();
        let found = events(&frames);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0],
            (50 + ONSET_FRAMES as usize - 1, VadEvent::SpeechStarted)
        );
        let (end_index, VadEvent::SpeechEnded { speech_ms }) = found[1] else {
            panic!("{found:?}");
        };
        assert_eq!(end_index, 125 + HANGOVER_FRAMES as usize - 1);
        assert_eq!(speech_ms, 1500);
    }

    #[test]
    fn a_click_is_not_speech() {
        let frames = [line_noise(1.0, 1), speech(0.1, 2), line_noise(1.0, 3)].concat();
        assert_eq!(events(&frames), vec![]);
    }

    #[test]
    fn a_steady_hum_becomes_the_noise_floor_within_seconds() {
        let hum: Vec<Vec<i16>> = (0..500)
            .map(|_| {
                (0..160)
                    .map(|n| if n % 2 == 0 { 400 } else { -400 })
                    .collect()
            })
            .collect();
        let found = events(&hum);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(matches!(found[1], (index, VadEvent::SpeechEnded { .. }) if index < 400));
    }
}
