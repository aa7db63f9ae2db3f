//! The offline voice pipeline for phone calls: G.711 over RTP, voice activity and
//! answering-machine detection, speech synthesis with espeak-ng and recognition with
//! pocketsphinx, all on this machine (no cloud service). SIP is not here: signalling
//! negotiates the remote address, codec and DTMF payload type and hands them to [`rtp`].
//!
//! A call's audio path:
//!
//! - [`rtp::MediaSocket::bind`] takes a UDP port (its number goes into the SDP), then
//!   [`rtp::MediaLeg::start`] runs the leg: every 20 ms it sends one packet of queued speech or
//!   silence, and emits the far end's 20 ms as [`rtp::MediaEvent::FarEndAudio`] (a continuous
//!   8 kHz stream), keypad digits as [`rtp::MediaEvent::Dtmf`], and records both directions.
//! - The agent speaks with [`tts::synthesize`] (espeak-ng, resampled from 22050 Hz to 8 kHz)
//!   and [`rtp::MediaLeg::play`].
//! - The far end's frames go to a [`vad::Vad`] (barge-in: [`rtp::MediaLeg::stop_playback`]),
//!   at first to an [`amd::MachineDetector`] (person or voicemail), and to an
//!   [`stt::Recognizer`] that reports what was said with stream times.
//!
//! Recognition over the phone: pocketsphinx's US English model is trained on 16 kHz speech
//! and cannot run at 8 kHz (`-samprate 8000` fails with it). Upsampling telephone audio
//! properly (with a low-pass filter) leaves 4-8 kHz empty and the model recognizes it badly;
//! upsampling by zero insertion, which mirrors 0-4 kHz into 4-8 kHz, gives the model energy
//! where it expects fricatives and recognizes far better (measured: espeak-ng's "I will call
//! you tomorrow" through mu-law comes back word for word). So [`stt::Recognizer`] upsamples
//! by zero insertion, on purpose.
//!
//! The programs come from Debian packages; [`speech::check_installed`] names the missing one.

pub mod amd;
pub mod g711;
pub mod recording;
pub mod rtp;
pub mod speech;
pub mod stt;
pub mod tts;
pub mod vad;

/// The telephone sample rate: G.711 and the RTP clock of its payload types.
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one 20 ms RTP packet, the packetization every SIP endpoint accepts by default.
pub const FRAME_SAMPLES: usize = 160;
