//! One call leg's media: a single task that sends a packet every 20 ms and plays out what
//! arrives, so both directions share one clock and the recording stays aligned.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::receiver::{Received, RtpReceiver};
use super::sender::{FRAME_DURATION, RtpSender};
use super::{MediaConfig, MediaSocket};
use crate::FRAME_SAMPLES;
use crate::recording::{MediaStats, Recording};

#[derive(Debug, Clone, PartialEq)]
pub enum MediaEvent {
    /// The far end's 160 samples of one tick, silence included: a continuous 8 kHz stream.
    FarEndAudio(Vec<i16>),
    Dtmf {
        digit: char,
        duration_ms: u32,
    },
    /// The outgoing queue ran empty by playing out (not after `stop_playback`).
    PlaybackFinished,
}

/// A running leg. Dropping it stops the task; `stop` also hands back the recording.
#[derive(Debug)]
pub struct MediaLeg {
    shared: Arc<Shared>,
    cancel: CancellationToken,
    _stop_on_drop: DropGuard,
    task: JoinHandle<Recording>,
}

#[derive(Debug)]
struct Shared {
    outgoing: Mutex<VecDeque<i16>>,
    remote: Mutex<SocketAddr>,
}

impl MediaLeg {
    /// Spawns the leg's task on the current tokio runtime; it sends from the first tick.
    pub fn start(
        socket: MediaSocket,
        config: MediaConfig,
    ) -> (MediaLeg, mpsc::UnboundedReceiver<MediaEvent>) {
        let shared = Arc::new(Shared {
            outgoing: Mutex::new(VecDeque::new()),
            remote: Mutex::new(config.remote),
        });
        let cancel = CancellationToken::new();
        let (events, events_receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(
            socket,
            config,
            Arc::clone(&shared),
            events,
            cancel.clone(),
        ));
        let leg = MediaLeg {
            shared,
            _stop_on_drop: cancel.clone().drop_guard(),
            cancel,
            task,
        };
        (leg, events_receiver)
    }

    /// Queues 8 kHz samples after whatever is still playing.
    pub fn play(&self, pcm: Vec<i16>) {
        lock(&self.shared.outgoing).extend(pcm);
    }

    /// Barge-in: drops everything queued, returns how many samples were dropped.
    pub fn stop_playback(&self) -> usize {
        let mut outgoing = lock(&self.shared.outgoing);
        let dropped = outgoing.len();
        outgoing.clear();
        dropped
    }

    pub fn is_playing(&self) -> bool {
        !lock(&self.shared.outgoing).is_empty()
    }

    /// Sends to `addr` from now on (a re-INVITE moved the far end's media).
    pub fn set_remote(&self, addr: SocketAddr) {
        *lock(&self.shared.remote) = addr;
    }

    pub async fn stop(self) -> Recording {
        self.cancel.cancel();
        self.task
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
    }
}

/// The lock is only held to copy samples or an address, which cannot panic: a poisoned lock
/// would be a bug elsewhere, and the data is still sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Leg {
    socket: MediaSocket,
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<MediaEvent>,
    sender: RtpSender,
    receiver: RtpReceiver,
    recording: Recording,
    was_playing: bool,
    remote_learned: bool,
}

async fn run(
    socket: MediaSocket,
    config: MediaConfig,
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<MediaEvent>,
    cancel: CancellationToken,
) -> Recording {
    let mut leg = Leg {
        socket,
        shared,
        events,
        sender: RtpSender::new(config.codec),
        receiver: RtpReceiver::new(config.codec, config.dtmf_payload_type),
        recording: Recording::default(),
        was_playing: false,
        remote_learned: false,
    };
    let mut ticks = tokio::time::interval(FRAME_DURATION);
    // Burst: after a stall the missed packets go out at once, so the packet count (and with it
    // the RTP timestamps) keeps pace with the wall clock, as the far end's playout expects.
    // Delay would leave our timestamps behind real time for the rest of the call.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut datagram = [0_u8; 1500];
    loop {
        // Ticks before datagrams: a flood of incoming packets must not delay our sending.
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            _ = ticks.tick() => leg.tick().await,
            received = leg.socket.socket.recv_from(&mut datagram) => match received {
                Ok((len, from)) => leg.receive(&datagram[..len], from),
                Err(error) => tracing::warn!(%error, "RTP receive failed"),
            },
        }
    }
    leg.recording.stats = MediaStats {
        packets_sent: leg.sender.packets_sent(),
        packets_received: leg.receiver.packets_received(),
        send_jitter_p95_ms: leg.sender.grid_deviation_p95_ms(),
        receive_jitter_ms: leg.receiver.jitter_ms(),
    };
    leg.recording
}

impl Leg {
    async fn tick(&mut self) {
        let (mut frame, finished) = {
            let mut outgoing = lock(&self.shared.outgoing);
            let take = outgoing.len().min(FRAME_SAMPLES);
            let frame: Vec<i16> = outgoing.drain(..take).collect();
            (frame, take > 0 && outgoing.is_empty())
        };
        let playing = !frame.is_empty();
        frame.resize(FRAME_SAMPLES, 0);
        let packet = self
            .sender
            .next_packet(&frame, playing && !self.was_playing);
        self.was_playing = playing && !finished;
        let remote = *lock(&self.shared.remote);
        match self.socket.socket.send_to(&packet, remote).await {
            Ok(_) => self.sender.sent(Instant::now()),
            Err(error) => tracing::warn!(%error, %remote, "RTP send failed"),
        }
        self.recording.agent.extend_from_slice(&frame);
        let far_end = self.receiver.next_frame();
        self.recording.far_end.extend_from_slice(&far_end);
        self.emit(MediaEvent::FarEndAudio(far_end));
        if finished {
            self.emit(MediaEvent::PlaybackFinished);
        }
    }

    fn receive(&mut self, datagram: &[u8], from: SocketAddr) {
        let received = self.receiver.receive(datagram, from);
        if received == Received::NotRtp {
            return;
        }
        if !self.remote_learned {
            // Symmetric RTP: behind NAT the far end's packets come from the address that
            // reaches it, whatever its SDP said.
            self.remote_learned = true;
            let mut remote = lock(&self.shared.remote);
            if *remote != from {
                tracing::info!(signalled = %*remote, learned = %from, "RTP remote learned from the first packet");
                *remote = from;
            }
        }
        if let Received::Dtmf { digit, duration_ms } = received {
            self.emit(MediaEvent::Dtmf { digit, duration_ms });
        }
    }

    /// A listener that went away is not the media's concern: the call goes on.
    fn emit(&self, event: MediaEvent) {
        let _ = self.events.send(event);
    }
}
