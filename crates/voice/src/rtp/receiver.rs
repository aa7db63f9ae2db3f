//! The receiving half of a leg: sorts the far end's datagrams into audio and digits.

use std::net::SocketAddr;
use std::time::Instant;

use super::dtmf::DtmfReceiver;
use super::jitter::{InterarrivalJitter, JitterBuffer};
use super::packet::RtpHeader;
use crate::g711::Codec;

/// What a datagram meant.
#[derive(Debug, PartialEq)]
pub(crate) enum Received {
    NotRtp,
    /// Audio (now in the jitter buffer), part of a digit, or another payload type.
    Rtp,
    Dtmf {
        digit: char,
        duration_ms: u32,
    },
}

#[derive(Debug)]
pub(crate) struct RtpReceiver {
    codec: Codec,
    dtmf_payload_type: Option<u8>,
    started: Instant,
    far_ssrc: Option<u32>,
    audio: JitterBuffer,
    dtmf: DtmfReceiver,
    jitter: InterarrivalJitter,
    packets_received: u64,
}

impl RtpReceiver {
    pub(crate) fn new(codec: Codec, dtmf_payload_type: Option<u8>) -> RtpReceiver {
        RtpReceiver {
            codec,
            dtmf_payload_type,
            started: Instant::now(),
            far_ssrc: None,
            audio: JitterBuffer::default(),
            dtmf: DtmfReceiver::default(),
            jitter: InterarrivalJitter::default(),
            packets_received: 0,
        }
    }

    pub(crate) fn receive(&mut self, datagram: &[u8], from: SocketAddr) -> Received {
        let Some((header, payload)) = RtpHeader::parse(datagram) else {
            tracing::debug!(%from, len = datagram.len(), "ignored a datagram that is not RTP");
            return Received::NotRtp;
        };
        self.packets_received += 1;
        if self.far_ssrc != Some(header.ssrc) {
            // A new source (a transfer, a re-INVITE) numbers its packets afresh.
            self.far_ssrc = Some(header.ssrc);
            self.audio = JitterBuffer::default();
            self.jitter = InterarrivalJitter::default();
        }
        if Some(header.payload_type) == self.dtmf_payload_type {
            return match self.dtmf.receive(header.timestamp, payload) {
                Some((digit, duration_ms)) => Received::Dtmf { digit, duration_ms },
                None => Received::Rtp,
            };
        }
        if header.payload_type == self.codec.payload_type() {
            let arrival = self.started.elapsed().as_secs_f64();
            self.jitter.observe(arrival, header.timestamp);
            self.audio
                .insert(header.sequence, self.codec.decode(payload));
        }
        Received::Rtp
    }

    /// The far end's audio for this tick.
    pub(crate) fn next_frame(&mut self) -> Vec<i16> {
        self.audio.pop()
    }

    pub(crate) fn packets_received(&self) -> u64 {
        self.packets_received
    }

    pub(crate) fn jitter_ms(&self) -> f64 {
        self.jitter.milliseconds()
    }
}
