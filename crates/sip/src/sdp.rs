//! The little SDP a phone call needs: one audio stream, G.711 and RFC 4733 DTMF.
//!
//! SDP is line based (RFC 8866), and of an answer only `c=`, `m=audio` and
//! `a=rtpmap` matter here, so this reads the lines rather than modelling the
//! whole grammar.

use std::net::{IpAddr, SocketAddr};

use crate::SipError;

pub const PCMU: u8 = 0;
pub const PCMA: u8 = 8;
/// The dynamic payload type we offer for telephone-event; an answer may pick another.
pub const OFFERED_DTMF_PAYLOAD_TYPE: u8 = 101;

/// Where and how the far end wants to receive audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMedia {
    pub addr: SocketAddr,
    /// PCMU (0) or PCMA (8), whichever the far end listed first.
    pub payload_type: u8,
    pub dtmf_payload_type: Option<u8>,
}

/// An offer of PCMU and PCMA with telephone-event, 20 ms packets, both directions.
pub fn offer(ip: IpAddr, rtp_port: u16) -> String {
    let dtmf = OFFERED_DTMF_PAYLOAD_TYPE;
    let mut sdp = session_header(ip);
    sdp.push_str(&format!(
        "m=audio {rtp_port} RTP/AVP {PCMU} {PCMA} {dtmf}\r\n"
    ));
    sdp.push_str(&format!("a=rtpmap:{PCMU} PCMU/8000\r\n"));
    sdp.push_str(&format!("a=rtpmap:{PCMA} PCMA/8000\r\n"));
    sdp.push_str(&telephone_event_lines(dtmf));
    sdp.push_str(MEDIA_TRAILER);
    sdp
}

/// An answer that keeps only the codec (and DTMF type) `chosen` from the offer.
pub fn answer(ip: IpAddr, rtp_port: u16, chosen: &RemoteMedia) -> String {
    let codec = chosen.payload_type;
    let mut sdp = session_header(ip);
    match chosen.dtmf_payload_type {
        Some(dtmf) => sdp.push_str(&format!("m=audio {rtp_port} RTP/AVP {codec} {dtmf}\r\n")),
        None => sdp.push_str(&format!("m=audio {rtp_port} RTP/AVP {codec}\r\n")),
    }
    sdp.push_str(&format!("a=rtpmap:{codec} {}/8000\r\n", codec_name(codec)));
    if let Some(dtmf) = chosen.dtmf_payload_type {
        sdp.push_str(&telephone_event_lines(dtmf));
    }
    sdp.push_str(MEDIA_TRAILER);
    sdp
}

/// Reads the far end's audio address, its preferred G.711 codec and its DTMF payload type.
pub fn parse(sdp: &str) -> Result<RemoteMedia, SipError> {
    let mut session_ip = None;
    let mut media_ip = None;
    let mut audio: Option<(u16, Vec<u8>)> = None;
    let mut dtmf_payload_type = None;
    // Lines after a non-audio m= belong to that other stream.
    let mut in_other_media = false;

    for line in sdp.lines().map(str::trim) {
        if let Some(media) = line.strip_prefix("m=") {
            in_other_media = !media.starts_with("audio ");
            if !in_other_media && audio.is_none() {
                audio = Some(parse_audio_media_line(media)?);
            }
        } else if let Some(connection) = line.strip_prefix("c=") {
            let ip = parse_connection_ip(connection)?;
            match (&audio, in_other_media) {
                (None, false) => session_ip = Some(ip),
                (Some(_), false) => media_ip = Some(ip),
                _ => {}
            }
        } else if let Some(rtpmap) = line.strip_prefix("a=rtpmap:")
            && !in_other_media
            && is_telephone_event(rtpmap)
        {
            dtmf_payload_type = rtpmap
                .split_whitespace()
                .next()
                .and_then(|pt| pt.parse().ok());
        }
    }

    let (port, formats) = audio.ok_or_else(|| SipError::Sdp("no m=audio line".into()))?;
    let ip = media_ip
        .or(session_ip)
        .ok_or_else(|| SipError::Sdp("no c= line".into()))?;
    let payload_type = formats
        .into_iter()
        .find(|pt| *pt == PCMU || *pt == PCMA)
        .ok_or_else(|| SipError::Sdp("neither PCMU nor PCMA offered".into()))?;
    Ok(RemoteMedia {
        addr: SocketAddr::new(ip, port),
        payload_type,
        dtmf_payload_type,
    })
}

const MEDIA_TRAILER: &str = "a=ptime:20\r\na=sendrecv\r\n";

fn session_header(ip: IpAddr) -> String {
    let family = address_family(ip);
    format!(
        "v=0\r\no=switchyard 0 0 IN {family} {ip}\r\ns=switchyard\r\nc=IN {family} {ip}\r\nt=0 0\r\n"
    )
}

fn telephone_event_lines(payload_type: u8) -> String {
    format!("a=rtpmap:{payload_type} telephone-event/8000\r\na=fmtp:{payload_type} 0-16\r\n")
}

fn codec_name(payload_type: u8) -> &'static str {
    if payload_type == PCMA { "PCMA" } else { "PCMU" }
}

fn address_family(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() { "IP4" } else { "IP6" }
}

/// `audio <port> RTP/AVP <formats...>`
fn parse_audio_media_line(media: &str) -> Result<(u16, Vec<u8>), SipError> {
    let mut fields = media.split_whitespace().skip(1);
    let port = fields
        .next()
        .and_then(|port| port.split('/').next())
        .and_then(|port| port.parse().ok())
        .ok_or_else(|| SipError::Sdp(format!("bad m=audio line: {media}")))?;
    let formats = fields.skip(1).filter_map(|pt| pt.parse().ok()).collect();
    Ok((port, formats))
}

/// `IN IP4 <address>`, possibly with a multicast TTL suffix.
fn parse_connection_ip(connection: &str) -> Result<IpAddr, SipError> {
    connection
        .split_whitespace()
        .nth(2)
        .and_then(|address| address.split('/').next())
        .and_then(|address| address.parse().ok())
        .ok_or_else(|| SipError::Sdp(format!("bad c= line: {connection}")))
}

fn is_telephone_event(rtpmap: &str) -> bool {
    rtpmap.split_whitespace().nth(1).is_some_and(|encoding| {
        encoding
            .to_ascii_lowercase()
            .starts_with("telephone-event/8000")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCALHOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn offer_lists_g711_and_dtmf_at_20ms() {
        let sdp = offer(LOCALHOST, 40000);
        assert!(sdp.contains("c=IN IP4 127.0.0.1\r\n"));
        assert!(sdp.contains("m=audio 40000 RTP/AVP 0 8 101\r\n"));
        assert!(sdp.contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
        assert!(sdp.contains("a=ptime:20\r\na=sendrecv\r\n"));
    }

    #[test]
    fn an_offer_parses_back_to_pcmu_and_its_address() {
        let media = parse(&offer(LOCALHOST, 40000)).unwrap();
        assert_eq!(media.addr, "127.0.0.1:40000".parse().unwrap());
        assert_eq!(media.payload_type, PCMU);
        assert_eq!(media.dtmf_payload_type, Some(101));
    }

    #[test]
    fn the_first_g711_codec_listed_wins_and_media_c_overrides_session_c() {
        let sdp = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
                   m=audio 6000 RTP/AVP 18 8 0 96\r\nc=IN IP4 10.0.0.2\r\n\
                   a=rtpmap:96 telephone-event/8000\r\n";
        let media = parse(sdp).unwrap();
        assert_eq!(media.addr, "10.0.0.2:6000".parse().unwrap());
        assert_eq!(media.payload_type, PCMA);
        assert_eq!(media.dtmf_payload_type, Some(96));
    }

    #[test]
    fn lines_of_a_video_stream_are_ignored() {
        let sdp = "v=0\nc=IN IP4 10.0.0.1\nm=video 7000 RTP/AVP 96\na=rtpmap:97 telephone-event/8000\n\
                   m=audio 6000 RTP/AVP 0\n";
        let media = parse(sdp).unwrap();
        assert_eq!(media.addr, "10.0.0.1:6000".parse().unwrap());
        assert_eq!(media.dtmf_payload_type, None);
    }

    #[test]
    fn answer_keeps_the_chosen_codec_only() {
        let chosen = RemoteMedia {
            addr: "10.0.0.2:6000".parse().unwrap(),
            payload_type: PCMA,
            dtmf_payload_type: Some(96),
        };
        let sdp = answer(LOCALHOST, 41000, &chosen);
        assert!(sdp.contains("m=audio 41000 RTP/AVP 8 96\r\n"));
        assert!(sdp.contains("a=rtpmap:8 PCMA/8000\r\n"));
        assert!(sdp.contains("a=fmtp:96 0-16\r\n"));
        let parsed = parse(&sdp).unwrap();
        assert_eq!(parsed.payload_type, PCMA);
        assert_eq!(parsed.addr, "127.0.0.1:41000".parse().unwrap());
    }

    #[test]
    fn sdp_without_g711_or_audio_is_an_error() {
        assert!(parse("v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 6000 RTP/AVP 18\r\n").is_err());
        assert!(parse("v=0\r\nc=IN IP4 10.0.0.1\r\n").is_err());
        assert!(parse("v=0\r\nm=audio 6000 RTP/AVP 0\r\n").is_err());
    }
}
