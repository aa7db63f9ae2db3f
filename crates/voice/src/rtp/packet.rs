//! The RTP fixed header (RFC 3550 §5.1). Written here rather than taken from the `rtp` crate:
//! that crate brings webrtc-util (with its own tokio, nix and ipnet users) and a second
//! thiserror for a 12-byte header.

const VERSION: u8 = 2;
const FIXED_HEADER_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RtpHeader {
    pub(crate) marker: bool,
    pub(crate) payload_type: u8,
    pub(crate) sequence: u16,
    pub(crate) timestamp: u32,
    pub(crate) ssrc: u32,
}

impl RtpHeader {
    /// The packet with this header and `payload`; we never send CSRCs, extensions or padding.
    pub(crate) fn packet(&self, payload: &[u8]) -> Vec<u8> {
        let mut packet = Vec::with_capacity(FIXED_HEADER_LEN + payload.len());
        packet.push(VERSION << 6);
        packet.push(u8::from(self.marker) << 7 | (self.payload_type & 0x7F));
        packet.extend_from_slice(&self.sequence.to_be_bytes());
        packet.extend_from_slice(&self.timestamp.to_be_bytes());
        packet.extend_from_slice(&self.ssrc.to_be_bytes());
        packet.extend_from_slice(payload);
        packet
    }

    /// The header and payload of a received packet, or `None` if it is not RTP version 2 or
    /// its lengths do not add up. Skips the CSRC list and header extension others may send.
    pub(crate) fn parse(packet: &[u8]) -> Option<(RtpHeader, &[u8])> {
        if packet.len() < FIXED_HEADER_LEN || packet[0] >> 6 != VERSION {
            return None;
        }
        let has_padding = packet[0] & 0x20 != 0;
        let has_extension = packet[0] & 0x10 != 0;
        let csrc_count = usize::from(packet[0] & 0x0F);
        let header = RtpHeader {
            marker: packet[1] & 0x80 != 0,
            payload_type: packet[1] & 0x7F,
            sequence: u16::from_be_bytes([packet[2], packet[3]]),
            timestamp: u32::from_be_bytes(packet[4..8].try_into().ok()?),
            ssrc: u32::from_be_bytes(packet[8..12].try_into().ok()?),
        };
        let mut start = FIXED_HEADER_LEN + 4 * csrc_count;
        if has_extension {
            let words = packet.get(start + 2..start + 4)?;
            start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
        }
        let mut end = packet.len();
        if has_padding {
            end = end.checked_sub(usize::from(*packet.last()?))?;
        }
        let payload = packet.get(start..end)?;
        Some((header, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_parses_back_to_its_header_and_payload() {
        let header = RtpHeader {
            marker: true,
            payload_type: 8,
            sequence: 65535,
            timestamp: 0xDEAD_BEEF,
            ssrc: 42,
        };
        let packet = header.packet(&[1, 2, 3]);
        assert_eq!(&packet[..2], &[0x80, 0x88]);
        assert_eq!(RtpHeader::parse(&packet), Some((header, &[1_u8, 2, 3][..])));
    }

    #[test]
    fn csrcs_extension_and_padding_are_skipped() {
        let mut packet = vec![0xB1, 0x00, 0, 7, 0, 0, 0, 9, 0, 0, 0, 1];
        packet.extend_from_slice(&[0xAA; 4]); // one CSRC
        packet.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0xCC, 0xCC, 0xCC, 0xCC]); // one-word extension
        packet.extend_from_slice(&[5, 6]);
        packet.extend_from_slice(&[0, 0, 3]); // three bytes of padding
        let (header, payload) = RtpHeader::parse(&packet).expect("valid packet");
        assert_eq!(header.sequence, 7);
        assert_eq!(payload, &[5, 6]);
    }

    #[test]
    fn other_versions_and_short_packets_are_rejected() {
        assert_eq!(RtpHeader::parse(&[0x80; 11]), None);
        assert_eq!(RtpHeader::parse(&[0x40; 12]), None);
        let mut too_much_padding = vec![0xA0; 12];
        too_much_padding.push(200);
        assert_eq!(RtpHeader::parse(&too_much_padding), None);
    }
}
