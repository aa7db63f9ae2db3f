//! Receiving side timing: a small jitter buffer that turns packets into one frame per tick,
//! and the RFC 3550 interarrival jitter estimate.

use std::collections::{BTreeMap, VecDeque};

use crate::{FRAME_SAMPLES, SAMPLE_RATE};

/// Beyond this many queued frames (100 ms) the far end's clock runs ahead of ours, or it sent
/// a burst after a stall: drop the oldest rather than let the delay grow for the rest of the call.
const MAX_QUEUED_FRAMES: usize = 5;

/// After running dry, play resumes once this much (40 ms) is queued: two clocks ticking
/// at the same rate in an unknown phase, plus the network's jitter, would otherwise run dry
/// again at every tick that comes a little before its packet.
const PREFETCH_SAMPLES: usize = 2 * FRAME_SAMPLES;

/// Packets ordered by extended sequence number. A packet that is missing while later ones are
/// queued is lost and skipped; when nothing is queued the next one is merely late, so the
/// tick plays silence and waits for it, then for `PREFETCH_SAMPLES` (the delay adapts).
/// Packets may hold other than 20 ms (a far end may send 10 or 30 ms): their samples flow
/// through `playout`, from which each tick takes one frame.
#[derive(Debug)]
pub(crate) struct JitterBuffer {
    frames: BTreeMap<u64, Vec<i16>>,
    playout: VecDeque<i16>,
    /// Played out dry: waiting for the prefetch before playing again.
    dry: bool,
    next: Option<u64>,
    highest: Option<u64>,
}

impl Default for JitterBuffer {
    fn default() -> Self {
        JitterBuffer {
            frames: BTreeMap::new(),
            playout: VecDeque::new(),
            dry: true,
            next: None,
            highest: None,
        }
    }
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
        if self.dry {
            let queued: usize = self.frames.values().map(Vec::len).sum();
            if self.playout.len() + queued < PREFETCH_SAMPLES {
                return vec![0; FRAME_SAMPLES];
            }
            self.dry = false;
        }
        while self.playout.len() < FRAME_SAMPLES {
            let Some((sequence, samples)) = self.frames.pop_first() else {
                break;
            };
            self.next = Some(sequence + 1);
            self.playout.extend(samples);
        }
        let available = self.playout.len().min(FRAME_SAMPLES);
        self.dry = available < FRAME_SAMPLES;
        let mut frame: Vec<i16> = self.playout.drain(..available).collect();
        frame.resize(FRAME_SAMPLES, 0);
        frame
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
    fn play_waits_for_40_ms_after_running_dry_and_drops_stale_frames() {
        let mut buffer = JitterBuffer::default();
        buffer.insert(1, frame(1));
        assert_eq!(buffer.pop(), frame(0));
        buffer.insert(2, frame(2));
        assert_eq!(buffer.pop(), frame(1));
        assert_eq!(buffer.pop(), frame(2));
        assert_eq!(buffer.pop(), frame(0));
        buffer.insert(3, frame(3));
        assert_eq!(buffer.pop(), frame(0));
        buffer.insert(4, frame(4));
        buffer.insert(2, frame(9));
        assert_eq!(buffer.pop(), frame(3));
        assert_eq!(buffer.pop(), frame(4));
        assert_eq!(buffer.pop(), frame(0));
    }

    #[test]
    fn a_lost_frame_is_skipped() {
        let mut buffer = JitterBuffer::default();
        buffer.insert(1, frame(1));
        buffer.insert(3, frame(3));
        assert_eq!(buffer.pop(), frame(1));
        assert_eq!(buffer.pop(), frame(3));
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
    fn packets_of_30_ms_play_out_as_frames_of_20_ms() {
        let mut buffer = JitterBuffer::default();
        buffer.insert(1, vec![1; 240]);
        buffer.insert(2, vec![2; 240]);
        assert_eq!(buffer.pop(), frame(1));
        assert_eq!(buffer.pop(), [vec![1; 80], vec![2; 80]].concat());
        assert_eq!(buffer.pop(), frame(2));
        assert_eq!(buffer.pop(), frame(0));
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
