//! Media legs over loopback UDP, in real time.

use std::io::Cursor;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use switchyard_voice::g711::Codec;
use switchyard_voice::rtp::{MediaConfig, MediaEvent, MediaLeg, MediaSocket, RtpPorts};
use switchyard_voice::{FRAME_SAMPLES, SAMPLE_RATE};
use tokio::net::UdpSocket;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::timeout;

const LOCALHOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
const PORTS: RtpPorts = RtpPorts {
    low: 30000,
    high: 39999,
};
/// Real-time media needs real time; this only bounds how long a broken leg can hang a test.
const PATIENCE: Duration = Duration::from_secs(5);

fn tone(hz: f64, seconds: f64) -> Vec<i16> {
    let samples = (seconds * f64::from(SAMPLE_RATE)) as usize;
    (0..samples)
        .map(|n| {
            let phase = 2.0 * std::f64::consts::PI * hz * n as f64 / f64::from(SAMPLE_RATE);
            (8000.0 * phase.sin()) as i16
        })
        .collect()
}

fn rms(samples: &[i16]) -> f64 {
    let energy: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (energy / samples.len().max(1) as f64).sqrt()
}

fn config(remote: SocketAddr) -> MediaConfig {
    MediaConfig {
        remote,
        codec: Codec::Pcmu,
        dtmf_payload_type: Some(101),
    }
}

async fn next_event(events: &mut UnboundedReceiver<MediaEvent>) -> MediaEvent {
    timeout(PATIENCE, events.recv())
        .await
        .expect("an event in time")
        .expect("the leg is running")
}

#[tokio::test]
async fn a_tone_played_by_one_leg_arrives_at_the_other_and_is_recorded() {
    let socket_a = MediaSocket::bind(LOCALHOST, &PORTS).await.unwrap();
    let socket_b = MediaSocket::bind(LOCALHOST, &PORTS).await.unwrap();
    let (addr_a, addr_b) = (socket_a.local_addr(), socket_b.local_addr());
    let started = Instant::now();
    let (leg_a, mut events_a) = MediaLeg::start(socket_a, config(addr_b));
    let (leg_b, mut events_b) = MediaLeg::start(socket_b, config(addr_a));
    leg_a.play(tone(440.0, 1.0));
    assert!(leg_a.is_playing());

    // B hears the tone, then silence once A's queue has run out. A late packet makes B play
    // a frame of silence and wait, so gaps may interrupt the tone, but no frame is lost.
    let (mut tone_frames, mut silent_frames_after) = (0, 0);
    while silent_frames_after < 10 {
        if let MediaEvent::FarEndAudio(frame) = next_event(&mut events_b).await {
            assert_eq!(frame.len(), FRAME_SAMPLES);
            if rms(&frame) > 4000.0 {
                tone_frames += 1;
                silent_frames_after = 0;
            } else if tone_frames > 0 {
                silent_frames_after += 1;
            }
        }
    }
    assert_eq!(tone_frames, 50, "1 s of tone is 50 frames");
    while next_event(&mut events_a).await != MediaEvent::PlaybackFinished {}
    assert!(!leg_a.is_playing());

    let recording_a = leg_a.stop().await;
    let elapsed = started.elapsed();
    let recording_b = leg_b.stop().await;
    let stats = recording_a.stats;
    println!("A: {stats:?} over {elapsed:?}; B: {:?}", recording_b.stats);
    let ticks = elapsed.as_secs_f64() / 0.02;
    assert!(
        (stats.packets_sent as f64 - ticks).abs() <= 3.0,
        "{} packets in {ticks:.1} ticks",
        stats.packets_sent
    );
    assert_eq!(recording_a.agent.len() as u64, stats.packets_sent * 160);
    assert_eq!(recording_a.agent.len(), recording_a.far_end.len());
    assert!(recording_b.stats.packets_received + 2 >= stats.packets_sent);
    assert!(stats.send_jitter_p95_ms < 10.0);

    let mut wav = hound::WavReader::new(Cursor::new(recording_a.to_wav())).unwrap();
    assert_eq!(wav.spec().channels, 2);
    assert_eq!(wav.spec().sample_rate, 8000);
    let samples: Vec<i16> = wav.samples().map(Result::unwrap).collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    assert!(
        rms(&left) > 2000.0,
        "the tone is on the left: {}",
        rms(&left)
    );
    assert!(rms(&right) < 100.0, "B sent silence: {}", rms(&right));
}

#[tokio::test]
async fn packets_on_the_wire_are_numbered_rtp_with_a_frame_of_pcmu_each() {
    let far_end = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let socket = MediaSocket::bind(LOCALHOST, &PORTS).await.unwrap();
    let (leg, _events) = MediaLeg::start(socket, config(far_end.local_addr().unwrap()));
    let mut previous: Option<(u16, u32, u32)> = None;
    let mut datagram = [0_u8; 1500];
    for index in 0..25 {
        let (len, _) = timeout(PATIENCE, far_end.recv_from(&mut datagram))
            .await
            .expect("a packet in time")
            .unwrap();
        let packet = &datagram[..len];
        assert_eq!(len, 12 + 160);
        assert_eq!(packet[0], 0x80, "version 2, no padding, extension or CSRCs");
        assert_eq!(packet[1] & 0x7F, 0, "PCMU");
        assert_eq!(
            packet[1] & 0x80 != 0,
            index == 0,
            "marker on the first packet only"
        );
        assert!(
            packet[12..].iter().all(|&byte| byte == 0xFF),
            "mu-law silence"
        );
        let sequence = u16::from_be_bytes([packet[2], packet[3]]);
        let timestamp = u32::from_be_bytes(packet[4..8].try_into().unwrap());
        let ssrc = u32::from_be_bytes(packet[8..12].try_into().unwrap());
        if let Some((last_sequence, last_timestamp, last_ssrc)) = previous {
            assert_eq!(sequence, last_sequence.wrapping_add(1));
            assert_eq!(timestamp, last_timestamp.wrapping_add(160));
            assert_eq!(ssrc, last_ssrc);
        }
        previous = Some((sequence, timestamp, ssrc));
    }
    leg.stop().await;
}

fn telephone_event(sequence: u16, timestamp: u32, digit: u8, end: bool, duration: u16) -> Vec<u8> {
    let mut packet = vec![0x80, 101];
    packet.extend_from_slice(&sequence.to_be_bytes());
    packet.extend_from_slice(&timestamp.to_be_bytes());
    packet.extend_from_slice(&0x1234_5678_u32.to_be_bytes());
    packet.extend_from_slice(&[digit, if end { 0x8A } else { 0x0A }]);
    packet.extend_from_slice(&duration.to_be_bytes());
    packet
}

#[tokio::test]
async fn a_digit_sent_with_three_end_packets_is_reported_once() {
    let far_end = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let socket = MediaSocket::bind(LOCALHOST, &PORTS).await.unwrap();
    let leg_addr = socket.local_addr();
    // The signalled address is wrong, as behind NAT: the leg must answer where packets come from.
    let signalled = SocketAddr::from((LOCALHOST, 9));
    let (leg, mut events) = MediaLeg::start(socket, config(signalled));
    // Not RTP (a stray probe): ignored, and not where the leg learns to send.
    let stray = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    stray.send_to(b"hello", leg_addr).await.unwrap();
    let mut packets = vec![
        telephone_event(1, 8000, 5, false, 400),
        telephone_event(2, 8000, 5, false, 800),
    ];
    packets.extend((3..6).map(|sequence| telephone_event(sequence, 8000, 5, true, 1200)));
    // A second digit: once it is reported, every packet of the first has been handled.
    packets.push(telephone_event(6, 16000, 7, true, 800));
    for packet in &packets {
        far_end.send_to(packet, leg_addr).await.unwrap();
    }
    let mut digits = Vec::new();
    while digits.last().is_none_or(|&(digit, _)| digit != '7') {
        if let MediaEvent::Dtmf { digit, duration_ms } = next_event(&mut events).await {
            digits.push((digit, duration_ms));
        }
    }
    assert_eq!(digits, vec![('5', 150), ('7', 100)]);

    let mut datagram = [0_u8; 1500];
    let (_, from) = timeout(PATIENCE, far_end.recv_from(&mut datagram))
        .await
        .expect("the leg sends to the address it learned")
        .unwrap();
    assert_eq!(from, leg_addr);
    assert_eq!(leg.stop().await.stats.packets_received, 6);
}

#[tokio::test]
async fn barge_in_drops_the_rest_of_the_prompt() {
    let far_end = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let socket = MediaSocket::bind(LOCALHOST, &PORTS).await.unwrap();
    let (leg, mut events) = MediaLeg::start(socket, config(far_end.local_addr().unwrap()));
    let prompt = tone(440.0, 5.0);
    leg.play(prompt.clone());
    let mut ticks = 0;
    while ticks < 10 {
        if let MediaEvent::FarEndAudio(_) = next_event(&mut events).await {
            ticks += 1;
        }
    }
    let dropped = leg.stop_playback();
    assert!(!leg.is_playing());
    // 10 ticks played 1600 samples; a tick or two more may have run meanwhile.
    assert!(
        (prompt.len() - 3 * 1600..=prompt.len() - 1600).contains(&dropped),
        "{dropped}"
    );
    for _ in 0..10 {
        assert!(matches!(
            next_event(&mut events).await,
            MediaEvent::FarEndAudio(_)
        ));
    }
    let recording = leg.stop().await;
    let played = prompt.len() - dropped;
    assert_eq!(&recording.agent[..played], &prompt[..played]);
    assert!(recording.agent[played..].iter().all(|&sample| sample == 0));
}
