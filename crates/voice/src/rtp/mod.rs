//! Media over RTP: one UDP socket per call leg, 20 ms G.711 packets out, the far end's packets
//! in, RFC 4733 digits, and a stereo recording of both directions.

mod dtmf;
mod jitter;
mod leg;
mod packet;
mod receiver;
mod sender;

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use rand::Rng;
use tokio::net::UdpSocket;

use crate::g711::Codec;

pub use crate::recording::{MediaStats, Recording};
pub use leg::{MediaEvent, MediaLeg};

/// The UDP port range media may use, inclusive (firewalls open it for RTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPorts {
    pub low: u16,
    pub high: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RTP port range {input:?}: {reason} (expected LOW-HIGH, e.g. 10000-20000)")]
pub struct InvalidRtpPorts {
    input: String,
    reason: &'static str,
}

impl FromStr for RtpPorts {
    type Err = InvalidRtpPorts;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| InvalidRtpPorts {
            input: input.to_owned(),
            reason,
        };
        let (low, high) = input.split_once('-').ok_or(invalid("no '-'"))?;
        let parse = |port: &str| port.trim().parse::<u16>();
        let low = parse(low).map_err(|_| invalid("LOW is not a port number"))?;
        let high = parse(high).map_err(|_| invalid("HIGH is not a port number"))?;
        if low == 0 || high == 0 {
            return Err(invalid("port 0 is not a port"));
        }
        if low > high {
            return Err(invalid("LOW is above HIGH"));
        }
        Ok(RtpPorts { low, high })
    }
}

impl fmt::Display for RtpPorts {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}-{}", self.low, self.high)
    }
}

/// A bound UDP socket for one leg's RTP, bound before the SDP offer or answer is written
/// because the SDP must carry its port.
#[derive(Debug)]
pub struct MediaSocket {
    socket: UdpSocket,
    local_addr: SocketAddr,
}

impl MediaSocket {
    /// Binds the first free port of `ports`, even ports first (RFC 3550 §11 gives RTP the even
    /// port, RTCP the odd one above), starting at a random port so that concurrent calls
    /// rarely race for the same one.
    pub async fn bind(ip: IpAddr, ports: &RtpPorts) -> io::Result<MediaSocket> {
        let all: Vec<u16> = (ports.low..=ports.high).collect();
        let start = rand::rng().random_range(0..all.len());
        let rotated = all[start..].iter().chain(&all[..start]);
        let (even, odd): (Vec<u16>, Vec<u16>) = rotated.partition(|&&port| port % 2 == 0);
        for port in even.into_iter().chain(odd) {
            match UdpSocket::bind((ip, port)).await {
                Ok(socket) => {
                    let local_addr = socket.local_addr()?;
                    return Ok(MediaSocket { socket, local_addr });
                }
                Err(error) if error.kind() == io::ErrorKind::AddrInUse => continue,
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("no free UDP port for RTP on {ip} in {ports}"),
        ))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

/// What the SDP negotiation settled for a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaConfig {
    /// Where to send; replaced by the source of the first packet received (symmetric RTP).
    pub remote: SocketAddr,
    pub codec: Codec,
    /// The payload type of RFC 4733 `telephone-event`, if the far end offered it.
    pub dtmf_payload_type: Option<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_parse() {
        assert_eq!(
            "10000-20000".parse(),
            Ok(RtpPorts {
                low: 10000,
                high: 20000
            })
        );
        assert_eq!(
            "7000-7000".parse::<RtpPorts>().map(|p| p.to_string()),
            Ok("7000-7000".into())
        );
    }

    #[test]
    fn bad_port_ranges_say_why() {
        for (input, reason) in [
            ("10000", "no '-'"),
            ("x-20000", "LOW is not a port number"),
            ("10000-70000", "HIGH is not a port number"),
            ("0-10", "port 0 is not a port"),
            ("20000-10000", "LOW is above HIGH"),
        ] {
            let message = input.parse::<RtpPorts>().unwrap_err().to_string();
            assert!(message.contains(reason), "{input}: {message}");
            assert!(message.contains("expected LOW-HIGH"), "{message}");
        }
    }

    #[tokio::test]
    async fn binding_prefers_even_ports_and_fails_when_the_range_is_full() {
        let localhost = IpAddr::from([127, 0, 0, 1]);
        // Two adjacent ports that are free now (other processes may hold any port).
        let (low, high) = (20000..30000)
            .step_by(2)
            .find(|&low| {
                let both = [low, low + 1].map(|port| std::net::UdpSocket::bind((localhost, port)));
                both.iter().all(Result::is_ok)
            })
            .map(|low| (low, low + 1))
            .expect("two free adjacent ports");
        let ports = RtpPorts { low, high };
        let first = MediaSocket::bind(localhost, &ports).await.unwrap();
        assert_eq!(first.local_addr().port(), low);
        let second = MediaSocket::bind(localhost, &ports).await.unwrap();
        assert_eq!(second.local_addr().port(), high);
        let error = MediaSocket::bind(localhost, &ports).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
        assert!(error.to_string().contains(&ports.to_string()), "{error}");
    }
}
