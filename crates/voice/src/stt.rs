//! Speech recognition with pocketsphinx: one `pocketsphinx_continuous` per call, fed the far
//! end's audio as it arrives; it finds utterances by their trailing silence itself.

mod utterances;

use std::io;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::speech::{
    ENGLISH_ACOUSTIC_MODEL, ENGLISH_DICTIONARY, ENGLISH_LANGUAGE_MODEL, POCKETSPHINX,
};
use utterances::UtteranceParser;

/// One recognized utterance; times are seconds from the first sample pushed.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    pub text: String,
    pub start_secs: f64,
    pub end_secs: f64,
}

#[derive(Debug)]
pub struct Recognizer {
    audio: mpsc::UnboundedSender<Vec<u8>>,
    writer: JoinHandle<()>,
    reader: JoinHandle<Vec<Heard>>,
    child: Child,
    finishing: Arc<AtomicBool>,
}

impl Recognizer {
    /// Starts the recognizer (its model loads in about 0.3 s; audio pushed meanwhile waits in
    /// the pipe). Utterances arrive on the receiver about 0.3 s after they end. Each runs its
    /// own process: about 100 MB, and 0.1 to 0.35 of a core while audio flows (measured, the
    /// more the more speech; bench/README.md). It runs at a lower priority (`nice`): when the
    /// CPU is short, recognition may lag behind the call, but every call's RTP must keep
    /// leaving on time.
    pub fn start() -> io::Result<(Recognizer, mpsc::UnboundedReceiver<Heard>)> {
        let mut child = Command::new("nice")
            .args(["-n", "10", POCKETSPHINX])
            .args(["-infile", "/dev/stdin"])
            .args(["-logfn", "/dev/null"])
            .args(["-time", "yes"])
            .args(["-hmm", ENGLISH_ACOUSTIC_MODEL])
            .args(["-dict", ENGLISH_DICTIONARY])
            .args(["-lm", ENGLISH_LANGUAGE_MODEL])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| unpiped("stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| unpiped("stdout"))?;
        let (audio, audio_receiver) = mpsc::unbounded_channel();
        let (heard, heard_receiver) = mpsc::unbounded_channel();
        let finishing = Arc::new(AtomicBool::new(false));
        let recognizer = Recognizer {
            audio,
            writer: tokio::spawn(write_audio(stdin, audio_receiver)),
            reader: tokio::spawn(read_utterances(stdout, heard, Arc::clone(&finishing))),
            child,
            finishing,
        };
        Ok((recognizer, heard_receiver))
    }

    /// Queues 8 kHz samples for recognition without waiting for the recognizer.
    pub fn push(&mut self, frame: &[i16]) {
        // The writer only stops when the recognizer died; `finish` reports that.
        let _ = self.audio.send(zero_insertion_16khz(frame));
    }

    /// Ends the audio and waits for the recognizer to finish it. Returns the utterances
    /// recognized from now on (the last one is usually among them); earlier ones went to the
    /// receiver.
    pub async fn finish(mut self) -> Vec<Heard> {
        self.finishing.store(true, Ordering::SeqCst);
        drop(self.audio);
        join(self.writer).await;
        let rest = join(self.reader).await;
        match self.child.wait().await {
            Ok(status) if !status.success() => tracing::warn!(%status, "pocketsphinx failed"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "waiting for pocketsphinx failed"),
        }
        rest
    }
}

fn unpiped(stream: &str) -> io::Error {
    io::Error::other(format!("pocketsphinx's {stream} was not piped"))
}

async fn join<T>(task: JoinHandle<T>) -> T {
    task.await
        .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
}

/// 16 kHz little-endian PCM from 8 kHz samples by zero insertion: each sample followed by a
/// zero. The spectrum of 0-4 kHz is mirrored into 4-8 kHz, where the 16 kHz acoustic model
/// expects the energy of fricatives; a clean (low-passed) upsampling leaves that band empty
/// and recognizes far worse. Doubling keeps the loudness the zeros halve.
fn zero_insertion_16khz(frame: &[i16]) -> Vec<u8> {
    frame
        .iter()
        .flat_map(|&sample| {
            let [low, high] = sample.saturating_mul(2).to_le_bytes();
            [low, high, 0, 0]
        })
        .collect()
}

async fn write_audio(mut stdin: ChildStdin, mut audio: mpsc::UnboundedReceiver<Vec<u8>>) {
    while let Some(bytes) = audio.recv().await {
        if let Err(error) = stdin.write_all(&bytes).await {
            tracing::warn!(%error, "pocketsphinx stopped taking audio");
            return;
        }
    }
    // Dropping stdin closes it: pocketsphinx finishes the last utterance and exits.
}

async fn read_utterances(
    stdout: ChildStdout,
    heard: mpsc::UnboundedSender<Heard>,
    finishing: Arc<AtomicBool>,
) -> Vec<Heard> {
    let mut lines = BufReader::new(stdout).lines();
    let mut parser = UtteranceParser::default();
    let mut rest = Vec::new();
    let mut deliver = |utterance: Heard| {
        if finishing.load(Ordering::SeqCst) {
            rest.push(utterance);
        } else {
            let _ = heard.send(utterance);
        }
    };
    loop {
        match lines.next_line().await {
            Ok(Some(line)) => parser.line(&line).into_iter().for_each(&mut deliver),
            Ok(None) => break,
            Err(error) => {
                tracing::warn!(%error, "reading pocketsphinx's output failed");
                break;
            }
        }
    }
    parser.end().into_iter().for_each(&mut deliver);
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_insertion_doubles_each_sample_and_follows_it_with_silence() {
        assert_eq!(
            zero_insertion_16khz(&[1, -2, 20000]),
            vec![2, 0, 0, 0, 0xFC, 0xFF, 0, 0, 0xFF, 0x7F, 0, 0]
        );
    }
}
