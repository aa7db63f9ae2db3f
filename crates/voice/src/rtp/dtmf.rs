//! RFC 4733 telephone events: how phones send keypad digits over RTP. One event is a run of
//! packets sharing an RTP timestamp; the last carries the end bit and is usually sent three
//! times, so a digit is reported once per timestamp, when its end first arrives.

use crate::SAMPLE_RATE;

const END_BIT: u8 = 0x80;
const EVENT_PAYLOAD_LEN: usize = 4;

#[derive(Debug, Default)]
pub(crate) struct DtmfReceiver {
    last_reported_timestamp: Option<u32>,
}

impl DtmfReceiver {
    /// The digit and its duration in milliseconds, once per event, when the event ends.
    pub(crate) fn receive(&mut self, timestamp: u32, payload: &[u8]) -> Option<(char, u32)> {
        if payload.len() < EVENT_PAYLOAD_LEN || payload[1] & END_BIT == 0 {
            return None;
        }
        if self.last_reported_timestamp == Some(timestamp) {
            return None;
        }
        let digit = event_digit(payload[0])?;
        self.last_reported_timestamp = Some(timestamp);
        let duration_units = u32::from(u16::from_be_bytes([payload[2], payload[3]]));
        Some((digit, duration_units * 1000 / SAMPLE_RATE))
    }
}

/// RFC 4733 §3.2: events 0-9 are the digits, then *, #, and A-D.
fn event_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// The payload of a telephone-event packet, for tests that play the far end.
#[cfg(test)]
pub(crate) fn event_payload(event: u8, end: bool, duration_units: u16) -> [u8; 4] {
    let [high, low] = duration_units.to_be_bytes();
    [event, if end { END_BIT | 10 } else { 10 }, high, low]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digit_is_reported_once_when_it_ends() {
        let mut receiver = DtmfReceiver::default();
        assert_eq!(receiver.receive(1000, &event_payload(5, false, 400)), None);
        assert_eq!(receiver.receive(1000, &event_payload(5, false, 800)), None);
        assert_eq!(
            receiver.receive(1000, &event_payload(5, true, 1600)),
            Some(('5', 200))
        );
        assert_eq!(receiver.receive(1000, &event_payload(5, true, 1600)), None);
        assert_eq!(receiver.receive(1000, &event_payload(5, true, 1600)), None);
        assert_eq!(
            receiver.receive(3000, &event_payload(5, true, 800)),
            Some(('5', 100))
        );
    }

    #[test]
    fn events_map_to_keypad_symbols() {
        let symbols: String = (0..=15).filter_map(event_digit).collect();
        assert_eq!(symbols, "0123456789*#ABCD");
        assert_eq!(event_digit(16), None);
    }

    #[test]
    fn truncated_payloads_are_ignored() {
        assert_eq!(DtmfReceiver::default().receive(0, &[5, 0x80, 0]), None);
    }
}
