//! baresip (Debian's package) as the far end of a real SIP call: a user agent on 127.0.0.1
//! that answers a call to `number` at once, says what is in its WAV file, and hangs up
//! when the file ends.
#![allow(dead_code)] // shared by several test binaries, each using a part

use std::net::SocketAddr;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Baresip {
    _child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Baresip {
    /// Answers calls to `number` with `speech`, 16-bit PCM at 8 kHz, as its microphone.
    pub async fn answering(number: &str, speech: &[i16]) -> Baresip {
        let dir = tempfile::tempdir().unwrap();
        let addr = SocketAddr::from(([127, 0, 0, 1], crate::sipp::free_udp_port()));
        let wav = dir.path().join("speech.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&wav, spec).unwrap();
        for sample in speech {
            writer.write_sample(*sample).unwrap();
        }
        writer.finalize().unwrap();
        let config = format!(
            "poll_method epoll\n\
             sip_listen {addr}\n\
             audio_player aufile,{heard}\n\
             audio_source aufile,{wav}\n\
             audio_alert aufile,/dev/null\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\n\
             module aufile.so\n\
             module_app account.so\n\
             module_app menu.so\n",
            heard = dir.path().join("heard.wav").display(),
            wav = wav.display(),
        );
        std::fs::write(dir.path().join("config"), config).unwrap();
        let account = format!("<sip:{number}@{addr}>;regint=0;answermode=auto;audio_codecs=PCMU\n");
        std::fs::write(dir.path().join("accounts"), account).unwrap();
        let mut child = Command::new("baresip")
            .arg("-f")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("cannot run `baresip`: install it (apt install baresip)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("baresip is ready") {
                break;
            }
        }
        // Keep reading so that baresip never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Baresip {
            _child: child,
            addr,
            _dir: dir,
        }
    }
}
