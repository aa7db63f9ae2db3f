//! Simulated call recordings: real WAV files that players and speech tools accept, with
//! something that looks like speech on a waveform view (syllables, words, pauses) rather
//! than silence or a flat tone.

use super::Draws;
use std::f64::consts::{PI, TAU};
use std::io::Cursor;

/// Telephone quality; 8-bit keeps an hour of audio under 30 MB.
const SAMPLE_RATE: u32 = 8000;
/// Longer durations are clamped, which keeps the data far below the 4 GiB a WAV can hold.
const MAX_SECS: f64 = 24.0 * 3600.0;

/// A WAV of `round(duration_secs * 8000)` 8-bit mono samples at 8 kHz; the same seed
/// gives the same bytes.
pub fn wav(duration_secs: f64, seed: u64) -> Vec<u8> {
    let secs = if duration_secs.is_finite() {
        duration_secs.clamp(0.0, MAX_SECS)
    } else {
        0.0
    };
    let total = (secs * f64::from(SAMPLE_RATE)).round() as usize;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 8,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Vec::with_capacity(total + 64);
    // Writing into memory cannot fail: the spec is valid, every sample fits in 8 bits, and
    // MAX_SECS keeps the sizes within the format's u32 fields.
    let mut writer = hound::WavWriter::new(Cursor::new(&mut bytes), spec)
        .expect("a valid 8-bit mono spec written into memory");
    for sample in Speech::new(seed).take(total) {
        writer
            .write_sample(sample)
            .expect("an 8-bit sample written into memory");
    }
    writer.finalize().expect("a WAV header written into memory");
    bytes
}

/// An endless stream of speech-like samples: syllables (a voiced tone with harmonics,
/// rising and falling in loudness) grouped into words and phrases, with short gaps
/// between words and longer pauses between phrases.
struct Speech {
    draws: Draws,
    /// Samples left in the current syllable or gap.
    left: usize,
    len: usize,
    voiced: bool,
    pitch: f64,
    glide: f64,
    phase: f64,
    loudness: f64,
    syllables_left_in_word: u32,
    words_left_in_phrase: u32,
    /// One cycle of the voiced wave and the syllable envelope, tabulated because a call
    /// of hours is synthesised at once and per-sample trigonometry dominated the time.
    wave: Vec<f64>,
    envelope: Vec<f64>,
}

const TABLE: usize = 1024;

impl Speech {
    fn new(seed: u64) -> Speech {
        Speech {
            draws: Draws::new(seed),
            left: 0,
            len: 0,
            voiced: false,
            pitch: 0.0,
            glide: 0.0,
            phase: 0.0,
            loudness: 0.0,
            syllables_left_in_word: 0,
            words_left_in_phrase: 0,
            // A fundamental with two harmonics: a buzz like a voice rather than a whistle.
            wave: (0..TABLE)
                .map(|i| {
                    let x = TAU * i as f64 / TABLE as f64;
                    0.6 * x.sin() + 0.3 * (2.0 * x).sin() + 0.1 * (3.0 * x).sin()
                })
                .collect(),
            // Quick attack, held vowel, quick release; one more entry for progress = 1.
            envelope: (0..=TABLE)
                .map(|i| (PI * i as f64 / TABLE as f64).sin().sqrt())
                .collect(),
        }
    }

    fn next_segment(&mut self) {
        let secs = if self.syllables_left_in_word > 0 {
            self.syllables_left_in_word -= 1;
            self.voiced = true;
            self.pitch = self.draws.between(110.0, 260.0);
            self.glide = self.draws.between(-0.3, 0.3);
            self.loudness = self.draws.between(0.45, 0.9);
            self.draws.between(0.08, 0.25)
        } else {
            self.voiced = false;
            self.syllables_left_in_word = self.draws.between(1.0, 4.0) as u32;
            if self.words_left_in_phrase > 0 {
                self.words_left_in_phrase -= 1;
                self.draws.between(0.03, 0.09)
            } else {
                self.words_left_in_phrase = self.draws.between(3.0, 12.0) as u32;
                self.draws.between(0.25, 0.8)
            }
        };
        self.len = ((secs * f64::from(SAMPLE_RATE)) as usize).max(1);
        self.left = self.len;
    }
}

impl Iterator for Speech {
    type Item = i8;

    fn next(&mut self) -> Option<i8> {
        if self.left == 0 {
            self.next_segment();
        }
        self.left -= 1;
        if !self.voiced {
            return Some(0);
        }
        let progress = 1.0 - self.left as f64 / self.len as f64;
        let envelope = self.envelope[(progress * TABLE as f64) as usize];
        let pitch = self.pitch * (1.0 + self.glide * progress);
        // Accumulating the phase keeps the wave continuous while the pitch glides.
        // Libm calls (fract, round) would dominate the time: one step is well under a cycle.
        self.phase += pitch / f64::from(SAMPLE_RATE);
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        let wave = self.wave[(self.phase * TABLE as f64) as usize % TABLE];
        Some((wave * envelope * self.loudness * 127.0) as i8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> (hound::WavSpec, Vec<i8>) {
        let mut reader = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        let samples = reader.samples::<i8>().map(Result::unwrap).collect();
        (reader.spec(), samples)
    }

    #[test]
    fn is_an_8khz_mono_8bit_wav_of_the_requested_length() {
        let bytes = wav(3.25, 42);
        assert_eq!(&bytes[..4], b"RIFF");
        let (spec, samples) = read(&bytes);
        assert_eq!(spec.sample_rate, 8000);
        assert_eq!(spec.channels, 1);
        assert_eq!(spec.bits_per_sample, 8);
        assert_eq!(samples.len(), 26_000);
        let reader = hound::WavReader::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(f64::from(reader.duration()) / 8000.0, 3.25);
    }

    #[test]
    fn sample_count_is_rounded_and_odd_durations_are_empty() {
        assert_eq!(read(&wav(0.00006, 1)).1.len(), 0);
        assert_eq!(read(&wav(0.00007, 1)).1.len(), 1);
        for odd in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            assert!(read(&wav(odd, 1)).1.is_empty(), "{odd}");
        }
    }

    #[test]
    fn sounds_like_speech_and_replays_from_the_seed() {
        let bytes = wav(20.0, 7);
        assert_eq!(bytes, wav(20.0, 7));
        assert_ne!(bytes, wav(20.0, 8));
        let (_, samples) = read(&bytes);
        let silent = samples.iter().filter(|s| **s == 0).count();
        let loud = samples.iter().filter(|s| s.unsigned_abs() > 40).count();
        // Both talk and pauses, neither dominating.
        assert!(silent > samples.len() / 20, "{silent}");
        assert!(loud > samples.len() / 10, "{loud}");
    }
}
