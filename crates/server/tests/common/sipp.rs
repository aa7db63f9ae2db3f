//! SIPp (Debian's `sip-tester`) as the far end of real SIP calls: one scenario, once, on
//! 127.0.0.1 with free ports. Its scenarios live in `crates/sip/tests/scenarios/`.
#![allow(dead_code)] // shared by several test binaries, each using a part

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

/// Runs the telephony tests when set (`.ci/run` sets it after installing the peers);
/// they fail, never skip, when a peer is missing.
pub const TELEPHONY_VAR: &str = "SWITCHYARD_TEST_TELEPHONY";

/// Whether the telephony tests run; says so when they do not.
pub fn enabled(test: &str) -> bool {
    let on = std::env::var(TELEPHONY_VAR).is_ok_and(|v| !v.trim().is_empty());
    if !on {
        println!("{test}: {TELEPHONY_VAR} not set, skipped");
    }
    on
}

pub struct Sipp {
    child: Child,
    pub addr: SocketAddr,
    messages: PathBuf,
    dir: tempfile::TempDir,
}

impl Sipp {
    /// SIPp answering INVITEs with `scenario`.
    pub fn answering(scenario: &str) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        Self::spawn(dir, scenarios().join(scenario), &[])
    }

    /// SIPp answering with `scenario`, a template whose `{{NAME}}`s are replaced: `files`
    /// are written next to it first, and `{{NAME}}` of a file is its absolute path.
    pub fn answering_with(
        scenario: &str,
        files: &[(&str, &[u8])],
        vars: &[(&str, String)],
    ) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        let mut text = std::fs::read_to_string(scenarios().join(scenario)).unwrap();
        for (name, bytes) in files {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let var = format!("{{{{{}}}}}", name.to_uppercase().replace('.', "_"));
            text = text.replace(&var, path.to_str().unwrap());
        }
        for (name, value) in vars {
            text = text.replace(&format!("{{{{{name}}}}}"), value);
        }
        let path = dir.path().join(scenario);
        std::fs::write(&path, text).unwrap();
        Self::spawn(dir, path, &[])
    }

    /// SIPp calling `number` at `target` with `scenario`.
    pub fn calling(scenario: &str, target: SocketAddr, number: &str) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        let scenario = scenarios().join(scenario);
        Self::spawn(dir, scenario, &["-s", number, &target.to_string()])
    }

    fn spawn(dir: tempfile::TempDir, scenario: PathBuf, extra: &[&str]) -> Sipp {
        let messages = dir.path().join("messages.log");
        let addr = SocketAddr::from(([127, 0, 0, 1], free_udp_port()));
        let child = Command::new("sipp")
            .arg("-sf")
            .arg(scenario)
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-bind_local"])
            .args(["-p", &addr.port().to_string()])
            .args(["-mp", &free_udp_port().to_string()])
            .args(["-m", "1", "-nostdin", "-timeout", "120s", "-timeout_error"])
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(&messages)
            .args(extra)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("cannot run `sipp`: install SIPp (apt install sip-tester)");
        Sipp {
            child,
            addr,
            messages,
            dir,
        }
    }

    /// Waits for SIPp to end its scenario; panics unless every message it expected came,
    /// in order (its exit code 0). Returns the messages it exchanged.
    pub async fn finishes(mut self, within: Duration) -> String {
        let status = tokio::time::timeout(within, self.child.wait())
            .await
            .expect("SIPp did not finish its scenario in time")
            .unwrap();
        let messages = std::fs::read_to_string(&self.messages).unwrap_or_default();
        let mut errors = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut errors).await.ok();
        }
        assert!(
            status.success(),
            "SIPp failed ({status}): {errors}\nmessages:\n{messages}"
        );
        messages
    }
}

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sip/tests/scenarios")
}

/// A UDP port free right now on 127.0.0.1.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
