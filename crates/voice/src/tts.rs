//! Speech synthesis with espeak-ng, resampled to the telephone's 8 kHz.

use std::io::{self, Cursor};

use rubato::audioadapter_buffers::owned::InterleavedOwned;
use rubato::{Fft, FixedSync, Resampler};
use tokio::process::Command;

use crate::SAMPLE_RATE;
use crate::speech::ESPEAK_NG;

/// espeak-ng's default rate is 175 words per minute; slower is easier to follow on a phone.
const WORDS_PER_MINUTE: &str = "150";
/// The resampler's chunk; its length only trades latency against FFT cost.
const RESAMPLER_CHUNK: usize = 1024;

/// Speaks `text` with the espeak-ng `voice` (see [`voice_for`]): 8 kHz mono samples.
pub async fn synthesize(text: &str, voice: &str) -> io::Result<Vec<i16>> {
    // `--` ends the options, so that text starting with '-' is spoken, not obeyed.
    let output = Command::new(ESPEAK_NG)
        .args(["--stdout", "-v", voice, "-s", WORDS_PER_MINUTE, "--", text])
        .kill_on_drop(true)
        .output()
        .await?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(io::Error::other(format!(
            "espeak-ng failed ({}): {}",
            output.status,
            stderr.trim()
        )));
    }
    let (samples, sample_rate) = read_wav(&output.stdout)?;
    resample(&samples, sample_rate)
}

/// The espeak-ng voice for a call's language (BCP 47, e.g. `en-US`, `pt-BR`); US English for
/// languages it has no voice for here.
pub fn voice_for(language: &str) -> &'static str {
    let language = language.to_ascii_lowercase().replace('_', "-");
    let (primary, region) = language.split_once('-').unwrap_or((&language, ""));
    match (primary, region) {
        ("en", "gb" | "ie") => "en-gb",
        ("es", "" | "es") => "es",
        ("es", _) => "es-419",
        ("fr", _) => "fr",
        ("de", _) => "de",
        ("it", _) => "it",
        ("nl", _) => "nl",
        ("pt", "br") => "pt-br",
        ("pt", _) => "pt",
        _ => "en-us",
    }
}

/// Mono samples and their rate. espeak-ng cannot seek back into a pipe, so the lengths in its
/// header are placeholders; the samples end where the output does.
fn read_wav(wav: &[u8]) -> io::Result<(Vec<i16>, u32)> {
    let invalid = |error: hound::Error| io::Error::new(io::ErrorKind::InvalidData, error);
    let mut cursor = Cursor::new(wav);
    // Reading the header leaves the cursor where the samples begin.
    let spec = hound::WavReader::new(&mut cursor).map_err(invalid)?.spec();
    if spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("espeak-ng wrote {spec:?}, not 16-bit mono"),
        ));
    }
    let header_len = usize::try_from(cursor.position()).unwrap_or(wav.len());
    let written = wav.len().saturating_sub(header_len) / 2;
    let samples = hound::WavReader::new(Cursor::new(wav))
        .map_err(invalid)?
        .samples::<i16>()
        .take(written)
        .collect::<Result<Vec<i16>, _>>()
        .map_err(invalid)?;
    Ok((samples, spec.sample_rate))
}

fn resample(samples: &[i16], from_rate: u32) -> io::Result<Vec<i16>> {
    if samples.is_empty() {
        return Ok(Vec::new());
    }
    let input: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
    let frames = input.len();
    let input = InterleavedOwned::new_from(input, 1, frames).map_err(io::Error::other)?;
    let mut resampler = Fft::<f32>::new(
        from_rate as usize,
        SAMPLE_RATE as usize,
        RESAMPLER_CHUNK,
        1,
        FixedSync::Input,
    )
    .map_err(io::Error::other)?;
    let output = resampler
        .process_all(&input, frames, None)
        .map_err(io::Error::other)?;
    Ok(output
        .take_data()
        .into_iter()
        .map(|sample| (sample * 32768.0).clamp(-32768.0, 32767.0) as i16)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_map_to_espeak_voices() {
        for (language, voice) in [
            ("en-US", "en-us"),
            ("en", "en-us"),
            ("en_GB", "en-gb"),
            ("es", "es"),
            ("es-ES", "es"),
            ("es-MX", "es-419"),
            ("fr-CA", "fr"),
            ("de", "de"),
            ("pt-BR", "pt-br"),
            ("pt-PT", "pt"),
            ("ja", "en-us"),
            ("", "en-us"),
        ] {
            assert_eq!(voice_for(language), voice, "{language}");
        }
    }

    #[test]
    fn a_tone_keeps_its_pitch_and_length_through_resampling() {
        let tone: Vec<i16> = (0..22050)
            .map(|n| (8000.0 * (std::f64::consts::TAU * 1000.0 * n as f64 / 22050.0).sin()) as i16)
            .collect();
        let resampled = resample(&tone, 22050).unwrap();
        assert!(
            (7990..=8010).contains(&resampled.len()),
            "{}",
            resampled.len()
        );
        // 1000 Hz at 8 kHz: 8 samples a period, so samples 8 apart are alike.
        let middle = &resampled[2000..6000];
        let drift: f64 = middle
            .windows(9)
            .map(|w| (f64::from(w[8]) - f64::from(w[0])).abs())
            .sum::<f64>()
            / middle.len() as f64;
        assert!(drift < 100.0, "{drift}");
    }
}
