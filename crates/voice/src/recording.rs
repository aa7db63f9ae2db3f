//! What a leg leaves behind: both directions of the call, and how the media flowed.

use std::io::Cursor;

use crate::SAMPLE_RATE;

/// Both directions, sample-aligned: sample `n` of each was sent and played at the same tick.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recording {
    /// What we sent, silence included.
    pub agent: Vec<i16>,
    /// What the far end sent, as played out (silence where packets were missing).
    pub far_end: Vec<i16>,
    pub stats: MediaStats,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MediaStats {
    pub packets_sent: u64,
    /// Every RTP packet received, audio and telephone events.
    pub packets_received: u64,
    /// The 95th percentile of |actual send instant − its place on the ideal 20 ms grid|, the
    /// grid anchored at the first packet. Unlike inter-send intervals this also shows drift.
    pub send_jitter_p95_ms: f64,
    /// RFC 3550 interarrival jitter of the far end's audio packets, at the end of the call.
    pub receive_jitter_ms: f64,
}

impl Recording {
    /// A 16-bit 8 kHz stereo WAV file: agent left, far end right.
    pub fn to_wav(&self) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut file = Cursor::new(Vec::new());
        let mut writer =
            hound::WavWriter::new(&mut file, spec).expect("a WAV header fits in memory");
        let frames = self.agent.len().max(self.far_end.len());
        for index in 0..frames {
            for channel in [&self.agent, &self.far_end] {
                let sample = channel.get(index).copied().unwrap_or(0);
                writer.write_sample(sample).expect("memory takes any WAV");
            }
        }
        writer.finalize().expect("memory takes any WAV");
        file.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wav_is_stereo_with_the_agent_on_the_left() {
        let recording = Recording {
            agent: vec![1, 2, 3],
            far_end: vec![-1, -2],
            stats: MediaStats::default(),
        };
        let mut reader = hound::WavReader::new(Cursor::new(recording.to_wav())).unwrap();
        assert_eq!(reader.spec().channels, 2);
        assert_eq!(reader.spec().sample_rate, 8000);
        let samples: Vec<i16> = reader.samples().map(Result::unwrap).collect();
        assert_eq!(samples, vec![1, -1, 2, -2, 3, 0]);
    }
}
