//! The offline voice pipeline for phone calls: G.711 over RTP, voice activity and
//! answering-machine detection, speech synthesis with espeak-ng and recognition with
//! pocketsphinx, all local (no cloud service).
pub mod g711;

/// The telephone sample rate: G.711 and the RTP clock of its payload types.
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one 20 ms RTP packet, the packetization every SIP endpoint accepts by default.
pub const FRAME_SAMPLES: usize = 160;
pub mod amd;
pub mod recording;
pub mod rtp;
pub mod speech;
pub mod stt;
pub mod tts;
pub mod vad;
