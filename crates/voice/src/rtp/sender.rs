//! The sending half of a leg: RTP numbering, and how far each send strays from the 20 ms grid.

use std::time::{Duration, Instant};

use super::packet::RtpHeader;
use crate::FRAME_SAMPLES;
use crate::g711::Codec;

pub(crate) const FRAME_DURATION: Duration = Duration::from_millis(20);

#[derive(Debug)]
pub(crate) struct RtpSender {
    codec: Codec,
    sequence: u16,
    timestamp: u32,
    ssrc: u32,
    packets_sent: u64,
    first_send: Option<Instant>,
    grid_deviations_ms: Vec<f64>,
}

impl RtpSender {
    /// Sequence, timestamp and SSRC start random (RFC 3550 §5.1) so that a packet of an
    /// earlier call on the same port cannot pass for one of this call.
    pub(crate) fn new(codec: Codec) -> RtpSender {
        RtpSender {
            codec,
            sequence: rand::random(),
            timestamp: rand::random(),
            ssrc: rand::random(),
            packets_sent: 0,
            first_send: None,
            grid_deviations_ms: Vec::new(),
        }
    }

    /// The next packet carrying `frame`; `talkspurt_starts` sets the marker bit (RFC 3551 §4.1),
    /// which the first packet always carries.
    pub(crate) fn next_packet(&mut self, frame: &[i16], talkspurt_starts: bool) -> Vec<u8> {
        debug_assert_eq!(frame.len(), FRAME_SAMPLES);
        let header = RtpHeader {
            marker: talkspurt_starts || self.packets_sent == 0,
            payload_type: self.codec.payload_type(),
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
        };
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        header.packet(&self.codec.encode(frame))
    }

    /// Counts a packet as sent now, and how far now is from where the grid, anchored at the
    /// first packet, says packet number `packets_sent` belongs.
    pub(crate) fn sent(&mut self, now: Instant) {
        let first = *self.first_send.get_or_insert(now);
        let ideal = first + FRAME_DURATION * self.packets_sent as u32;
        let deviation = if now >= ideal {
            now - ideal
        } else {
            ideal - now
        };
        self.grid_deviations_ms
            .push(deviation.as_secs_f64() * 1000.0);
        self.packets_sent += 1;
    }

    pub(crate) fn packets_sent(&self) -> u64 {
        self.packets_sent
    }

    pub(crate) fn grid_deviation_p95_ms(&self) -> f64 {
        let mut deviations = self.grid_deviations_ms.clone();
        deviations.sort_by(f64::total_cmp);
        let Some(last) = deviations.len().checked_sub(1) else {
            return 0.0;
        };
        deviations[(last as f64 * 0.95).round() as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_count_up_by_one_sequence_and_one_frame_of_timestamp() {
        let mut sender = RtpSender::new(Codec::Pcma);
        let silence = [0_i16; FRAME_SAMPLES];
        let first_packet = sender.next_packet(&silence, false);
        sender.sent(Instant::now());
        let second_packet = sender.next_packet(&silence, false);
        let (first, _) = RtpHeader::parse(&first_packet).unwrap();
        let (second, payload) = RtpHeader::parse(&second_packet).unwrap();
        assert!(first.marker && !second.marker);
        assert_eq!(second.payload_type, 8);
        assert_eq!(second.sequence, first.sequence.wrapping_add(1));
        assert_eq!(second.timestamp, first.timestamp.wrapping_add(160));
        assert_eq!(second.ssrc, first.ssrc);
        assert_eq!(payload, &[0xD5; FRAME_SAMPLES][..]);
    }

    #[test]
    fn grid_deviation_is_measured_from_the_first_send() {
        let mut sender = RtpSender::new(Codec::Pcmu);
        let start = Instant::now();
        for packet in 0..100_u32 {
            let late = if packet % 10 == 9 { 5 } else { 1 };
            sender.sent(start + FRAME_DURATION * packet + Duration::from_millis(late));
        }
        assert_eq!(sender.packets_sent(), 100);
        // Every send is 1 ms late but so was the first, which anchors the grid; a tenth are 5 ms late.
        assert!((sender.grid_deviation_p95_ms() - 4.0).abs() < 1e-6);
    }
}
