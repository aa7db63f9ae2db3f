//! Receiving side timing: a small jitter buffer that turns packets into one frame per tick,
//! and the RFC 3550 interarrival jitter estimate.

use std::collections::BTreeMap;

use crate::{FRAME_SAMPLES, SAMPLE_RATE};

/// Beyond this many queued frames (100 ms) the far end's clock runs ahead of ours, or it sent
/// a burst after a stall: drop the oldest rather than let the delay grow for the rest of the call.
const MAX_QUEUED_FRAMES: usize = 5;

/// Frames ordered by extended sequence number. A frame that is missing while later ones are
/// queued is lost and skipped; when nothing is queued the next frame is merely late, so the
/// tick plays silence and waits for it (this settles the phase between their clock and ours).
#[derive(Debug, Default)]
pub(crate) struct JitterBuffer {
    frames: BTreeMap<u64, Vec<i16>>,
    next: Option<u64>,
    highest: Option<u64>,
}

impl JitterBuffer {
    pub(crate) fn insert(&mut self, sequence: u16, samples: Vec<i16>) {
        let extended = self.extend(sequence);
        if self.next.is_some_and(|next| extended < next) {
            return;
        }
        self.highest = Some(
            self.highest
                .map_or(extended, |highest| highest.max(extended)),
        );
        self.frames.insert(extended, samples);
        while self.frames.len() > MAX_QUEUED_FRAMES {
            self.frames.pop_first();
        }
    }

    /// The next frame to play, exactly `FRAME_SAMPLES` long: silence when none is due.
    pub(crate) fn pop(&mut self) -> Vec<i16> {
        let Some((sequence, mut samples)) = self.frames.pop_first() else {
            return vec![0; FRAME_SAMPLES];
        };
        self.next = Some(sequence + 1);
        samples.resize(FRAME_SAMPLES, 0);
        samples
    }

    /// The 16-bit sequence number as a 64-bit count that keeps increasing across wraps, taking
    /// the candidate nearest to the highest number seen.
    fn extend(&self, sequence: u16) -> u64 {
        const CYCLE: u64 = 1 << 16;
        let Some(highest) = self.highest else {
            return CYCLE + u64::from(sequence);
        };
        let candidate = (highest & !(CYCLE - 1)) | u64::from(sequence);
        if candidate + CYCLE / 2 < highest {
            candidate + CYCLE
        } else if candidate > highest + CYCLE / 2 && candidate >= CYCLE {
            candidate - CYCLE
        } else {
            candidate
        }
    }
}

/// RFC 3550 §6.4.1 / A.8: the smoothed mean deviation of packet spacing at arrival from
/// spacing at sending, in RTP timestamp units.
#[derive(Debug, Default)]
pub(crate) struct InterarrivalJitter {
    previous_transit: Option<f64>,
    jitter: f64,
}

impl InterarrivalJitter {
    pub(crate) fn observe(&mut self, arrival_secs: f64, rtp_timestamp: u32) {
        let transit = arrival_secs * f64::from(SAMPLE_RATE) - f64::from(rtp_timestamp);
        if let Some(previous) = self.previous_transit {
            let deviation = (transit - previous).abs();
            self.jitter += (deviation - self.jitter) / 16.0;
        }
        self.previous_transit = Some(transit);
    }

    pub(crate) fn milliseconds(&self) -> f64 {
        self.jitter * 1000.0 / f64::from(SAMPLE_RATE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(value: i16) -> Vec<i16> {
        vec![value; FRAME_SAMPLES]
    }

    #[test]
    fn frames_come_out_in_sequence_order() {
        let mut buffer = JitterBuffer::default();
        buffer.insert(11, frame(2));
        buffer.insert(10, frame(1));
        assert_eq!(buffer.pop(), frame(1));
        assert_eq!(buffer.pop(), frame(2));
        assert_eq!(buffer.pop(), frame(0));
    }

    #[test]
    fn a_late_frame_is_waited_for_and_a_stale_one_dropped() {
        let mut buffer = JitterBuffer::default();
        buffer.insert(1, frame(1));
        assert_eq!(buffer.pop(), frame(1));
        assert_eq!(buffer.pop(), frame(0));
        buffer.insert(2, frame(2));
        assert_eq!(buffer.pop(), frame(2));
        buffer.insert(1, frame(9));
        assert_eq!(buffer.pop(), frame(0));
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut buffer = JitterBuffer::default();
        buffer.insert(65535, frame(1));
        buffer.insert(0, frame(2));
        buffer.insert(65534, frame(0));
        assert_eq!(buffer.pop(), frame(0));
        assert_eq!(buffer.pop(), frame(1));
        assert_eq!(buffer.pop(), frame(2));
    }

    #[test]
    fn the_queue_is_bounded() {
        let mut buffer = JitterBuffer::default();
        for sequence in 0..20 {
            buffer.insert(sequence, frame(sequence as i16));
        }
        assert_eq!(buffer.pop(), frame(15));
    }

    #[test]
    fn evenly_spaced_packets_have_no_jitter_and_uneven_ones_some() {
        let mut even = InterarrivalJitter::default();
        let mut uneven = InterarrivalJitter::default();
        for packet in 0..50_u32 {
            let sent = f64::from(packet) * 0.02;
            even.observe(sent + 0.5, packet * 160);
            let wobble = if packet % 2 == 0 { 0.0 } else { 0.01 };
            uneven.observe(sent + wobble, packet * 160);
        }
        assert!(even.milliseconds() < 1e-9);
        assert!(
            (uneven.milliseconds() - 10.0).abs() < 1.0,
            "{}",
            uneven.milliseconds()
        );
    }
}
