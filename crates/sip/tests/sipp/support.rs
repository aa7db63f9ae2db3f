//! Runs the real SIPp against our endpoint, both on 127.0.0.1 with free ports.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use switchyard_sip::{IncomingCall, SignalEvent, SipEndpoint, SipSettings};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::{CancellationToken, DropGuard};

const LOCALHOST: Ipv4Addr = Ipv4Addr::LOCALHOST;
/// Longer than any scenario (the longest rings for 2 s and pauses for 1 s).
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(20);
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A SIPp process running one scenario once; killed if the test ends first.
pub struct Sipp {
    child: Child,
    pub addr: SocketAddr,
    message_log: PathBuf,
    _logs: tempfile::TempDir,
}

impl Sipp {
    /// SIPp waiting for our INVITE at `addr`.
    pub fn answering(scenario: &str) -> Sipp {
        Self::spawn(scenario, &[])
    }

    /// SIPp calling `number` at `target`.
    pub fn calling(scenario: &str, target: SocketAddr, number: &str) -> Sipp {
        Self::spawn(scenario, &["-s", number, &target.to_string()])
    }

    fn spawn(scenario: &str, extra_args: &[&str]) -> Sipp {
        let logs = tempfile::tempdir().expect("temp dir");
        let message_log = logs.path().join("messages.log");
        let addr = SocketAddr::from((LOCALHOST, free_udp_port()));
        let mut command = Command::new("sipp");
        command
            .arg("-sf")
            .arg(scenario_path(scenario))
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-bind_local"])
            .args(["-p", &addr.port().to_string()])
            // SIPp binds its media port even when it sends no RTP; the default is shared.
            .args(["-mp", &free_udp_port().to_string()])
            .args(["-m", "1", "-nostdin", "-timeout", "15s", "-timeout_error"])
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(&message_log)
            .args(extra_args)
            .current_dir(logs.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = command
            .spawn()
            .expect("cannot run `sipp`: install SIPp (Debian package sip-tester)");
        Sipp {
            child,
            addr,
            message_log,
            _logs: logs,
        }
    }

    /// Waits for SIPp to finish its scenario and returns the messages it
    /// exchanged; panics unless it exited 0, which it does only after every
    /// expected message arrived in order.
    pub async fn finishes_scenario(mut self) -> String {
        let status = tokio::time::timeout(SCENARIO_TIMEOUT, self.child.wait())
            .await
            .expect("SIPp did not finish its scenario")
            .expect("waiting for SIPp");
        let messages = std::fs::read_to_string(&self.message_log).unwrap_or_default();
        let mut errors = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut errors).await.ok();
        }
        assert!(
            status.success(),
            "SIPp failed ({status}): {errors}\nits messages:\n{messages}"
        );
        messages
    }
}

/// An endpoint on a free port of 127.0.0.1 whose trunk is `trunk`; stopped when the guard drops.
pub async fn endpoint(
    trunk: Option<SocketAddr>,
    customize: impl FnOnce(&mut SipSettings),
) -> (SipEndpoint, UnboundedReceiver<IncomingCall>, DropGuard) {
    let mut settings = SipSettings {
        bind: SocketAddr::from((LOCALHOST, 0)),
        trunk: trunk.map(|addr| format!("sip:{addr}")),
        ..SipSettings::default()
    };
    customize(&mut settings);
    // `RUST_LOG=switchyard_sip=debug,rsipstack=debug` shows the SIP dialogue of a failing test.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init()
        .ok();
    let cancel = CancellationToken::new();
    let (endpoint, calls) = SipEndpoint::start(settings, cancel.clone())
        .await
        .expect("endpoint starts");
    (endpoint, calls, cancel.drop_guard())
}

pub async fn next_event(events: &mut UnboundedReceiver<SignalEvent>) -> SignalEvent {
    tokio::time::timeout(EVENT_TIMEOUT, events.recv())
        .await
        .expect("no signal event in time")
        .expect("the event channel closed")
}

/// Asserts nothing more is reported once the call ended.
pub async fn no_more_events(events: &mut UnboundedReceiver<SignalEvent>) {
    let next = tokio::time::timeout(EVENT_TIMEOUT, events.recv())
        .await
        .expect("the event channel stays open after the call ended");
    assert_eq!(next, None);
}

fn free_udp_port() -> u16 {
    let socket = UdpSocket::bind((LOCALHOST, 0)).expect("bind a UDP port");
    socket.local_addr().expect("local address").port()
}

fn scenario_path(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(scenario)
}

pub async fn next_call(calls: &mut UnboundedReceiver<IncomingCall>) -> IncomingCall {
    tokio::time::timeout(EVENT_TIMEOUT, calls.recv())
        .await
        .expect("no incoming call in time")
        .expect("the incoming call channel closed")
}

/// Whether the SIPp tests run: when `SWITCHYARD_TEST_TELEPHONY` is set (`.ci/run` sets it
/// after installing SIPp), and then they fail, never skip, without `sipp`.
pub fn enabled(test: &str) -> bool {
    let on = std::env::var("SWITCHYARD_TEST_TELEPHONY").is_ok_and(|v| !v.trim().is_empty());
    if !on {
        println!("{test}: SWITCHYARD_TEST_TELEPHONY not set, skipped");
    }
    on
}
