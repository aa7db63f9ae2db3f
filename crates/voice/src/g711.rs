//! G.711 (ITU-T), the codec every SIP phone and carrier speaks: 8-bit logarithmic samples at
//! 8 kHz, mu-law (PCMU) in North America and Japan, A-law (PCMA) elsewhere.

/// A G.711 variant, as negotiated in SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    Pcmu,
    Pcma,
}

impl Codec {
    /// The static RTP payload type RFC 3551 assigns.
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    pub fn from_payload_type(payload_type: u8) -> Option<Codec> {
        match payload_type {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// The encoding name in SDP `a=rtpmap` lines.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    pub fn encode(self, pcm: &[i16]) -> Vec<u8> {
        let encode_sample = match self {
            Codec::Pcmu => linear_to_ulaw,
            Codec::Pcma => linear_to_alaw,
        };
        pcm.iter().map(|&sample| encode_sample(sample)).collect()
    }

    pub fn decode(self, bytes: &[u8]) -> Vec<i16> {
        let decode_byte = match self {
            Codec::Pcmu => ulaw_to_linear,
            Codec::Pcma => alaw_to_linear,
        };
        bytes.iter().map(|&byte| decode_byte(byte)).collect()
    }
}

/// Mu-law works on 14-bit magnitudes; the bias makes every segment boundary a power of two.
const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

fn linear_to_ulaw(sample: i16) -> u8 {
    // Negative samples by one's complement, as in the ITU reference code (G.191): -1 is the
    // smallest negative step, not zero.
    let (sign, magnitude) = if sample < 0 {
        (0x80, i32::from(!sample))
    } else {
        (0, i32::from(sample))
    };
    let magnitude = magnitude.min(ULAW_CLIP) + ULAW_BIAS;
    // The segment is the position of the highest set bit above the 7 low bits.
    let segment = 31 - ((magnitude >> 7) as u32).leading_zeros();
    let mantissa = (magnitude >> (segment + 3)) & 0x0F;
    !(sign | (segment << 4) as i32 | mantissa) as u8
}

fn ulaw_to_linear(byte: u8) -> i16 {
    let byte = !byte;
    let segment = (byte >> 4) & 0x07;
    let mantissa = i32::from(byte & 0x0F);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << segment) - ULAW_BIAS;
    let sample = if byte & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    };
    sample as i16
}

/// The upper end of each A-law segment, in 13-bit magnitudes.
const ALAW_SEGMENT_ENDS: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

fn linear_to_alaw(sample: i16) -> u8 {
    let linear = i32::from(sample) >> 3;
    // A-law inverts every even bit (0x55) so that silence is not a long run of zeros on the line.
    let (mask, magnitude): (i32, i32) = if linear >= 0 {
        (0xD5, linear)
    } else {
        (0x55, -linear - 1)
    };
    let Some(segment) = ALAW_SEGMENT_ENDS.iter().position(|&end| magnitude <= end) else {
        return (0x7F ^ mask) as u8;
    };
    let shift = if segment < 2 { 1 } else { segment };
    let code = ((segment as i32) << 4) | ((magnitude >> shift) & 0x0F);
    (code ^ mask) as u8
}

fn alaw_to_linear(byte: u8) -> i16 {
    let byte = byte ^ 0x55;
    let mantissa = i32::from(byte & 0x0F) << 4;
    let segment = (byte & 0x70) >> 4;
    let magnitude = match segment {
        0 => mantissa + 8,
        1 => mantissa + 0x108,
        _ => (mantissa + 0x108) << (segment - 1),
    };
    let sample = if byte & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    };
    sample as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_encodes_to_the_itu_values() {
        assert_eq!(Codec::Pcmu.encode(&[0]), vec![0xFF]);
        assert_eq!(Codec::Pcma.encode(&[0]), vec![0xD5]);
        assert_eq!(Codec::Pcmu.decode(&[0xFF]), vec![0]);
        assert_eq!(Codec::Pcma.decode(&[0xD5]), vec![8]);
    }

    #[test]
    fn extremes_encode_to_the_itu_values() {
        assert_eq!(Codec::Pcmu.encode(&[i16::MAX, i16::MIN]), vec![0x80, 0x00]);
        assert_eq!(Codec::Pcma.encode(&[i16::MAX, i16::MIN]), vec![0xAA, 0x2A]);
        assert_eq!(Codec::Pcmu.decode(&[0x80, 0x00]), vec![32124, -32124]);
        assert_eq!(Codec::Pcma.decode(&[0xAA, 0x2A]), vec![32256, -32256]);
    }

    /// Both laws keep about 12 bits of precision relative to the sample: the quantization step
    /// of a segment is 1/16 of its lower bound, so the error is at most 1/32 of the sample plus
    /// the step of the smallest segment (mu-law clips above 32635, hence the range).
    #[test]
    fn round_trip_error_is_bounded_relative_to_the_sample() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            for sample in -32635..=32635_i16 {
                let decoded = codec.decode(&codec.encode(&[sample]))[0];
                let error = (i32::from(decoded) - i32::from(sample)).abs();
                let bound = i32::from(sample).abs() / 32 + 16;
                assert!(
                    error <= bound,
                    "{codec:?}: {sample} -> {decoded} (error {error} > {bound})"
                );
            }
        }
    }

    #[test]
    fn every_byte_survives_decode_then_encode() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            for byte in 0..=255_u8 {
                let again = codec.encode(&codec.decode(&[byte]))[0];
                // Mu-law has two zeros (0x7F and 0xFF); both decode to 0, which encodes to 0xFF.
                if codec == Codec::Pcmu && byte == 0x7F {
                    assert_eq!(again, 0xFF);
                } else {
                    assert_eq!(again, byte, "{codec:?} byte {byte:#04x}");
                }
            }
        }
    }

    #[test]
    fn every_sample_and_byte_agrees_with_another_implementation() {
        use audio_codec_algorithms::{decode_alaw, decode_ulaw, encode_alaw, encode_ulaw};
        for sample in i16::MIN..=i16::MAX {
            assert_eq!(
                Codec::Pcmu.encode(&[sample])[0],
                encode_ulaw(sample),
                "{sample}"
            );
            assert_eq!(
                Codec::Pcma.encode(&[sample])[0],
                encode_alaw(sample),
                "{sample}"
            );
        }
        for byte in 0..=255_u8 {
            assert_eq!(
                Codec::Pcmu.decode(&[byte])[0],
                decode_ulaw(byte),
                "{byte:#04x}"
            );
            assert_eq!(
                Codec::Pcma.decode(&[byte])[0],
                decode_alaw(byte),
                "{byte:#04x}"
            );
        }
    }

    #[test]
    fn payload_types_and_names_follow_rfc_3551() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            assert_eq!(Codec::from_payload_type(codec.payload_type()), Some(codec));
        }
        assert_eq!(Codec::Pcmu.payload_type(), 0);
        assert_eq!(Codec::Pcma.payload_type(), 8);
        assert_eq!(Codec::Pcmu.name(), "PCMU");
        assert_eq!(Codec::Pcma.name(), "PCMA");
        assert_eq!(Codec::from_payload_type(101), None);
    }
}
