//! A `switchyard serve` process on a random port, for tests of the binary itself (the CLI,
//! crash recovery). Killed (SIGKILL) when dropped.
#![allow(dead_code)] // shared by several test binaries, each using a part

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;

pub struct Server {
    child: Child,
    /// Reads the server's stderr to its end: the log lines after the one that said where
    /// it listens.
    log: Option<JoinHandle<Vec<String>>>,
    /// `http://127.0.0.1:<port>/api/v1`
    pub base: String,
    /// What `serve` printed on stdout before listening (the demo's key).
    pub stdout: String,
}

impl Server {
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args([
                "--data-dir",
                data_dir.to_str().unwrap(),
                "serve",
                "--addr",
                "127.0.0.1:0",
            ])
            .args(extra)
            .env("SWITCHYARD_LOG_FORMAT", "json")
            .env_remove("SWITCHYARD_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start switchyard serve");
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut addr = None;
        for line in stderr.by_ref() {
            let line = line.unwrap();
            let Ok(event) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if event["fields"]["message"] == "switchyard listening" {
                addr = event["fields"]["addr"].as_str().map(str::to_owned);
                break;
            }
        }
        let addr = addr.expect("the server logs the address it listens on");
        // Keep draining the log so that the server never blocks on a full pipe.
        let log = std::thread::spawn(move || stderr.map_while(Result::ok).collect());
        // `--demo` prints its key on stdout before the server starts listening.
        let mut stdout = String::new();
        if extra.contains(&"--demo") {
            let mut reader = BufReader::new(child.stdout.take().unwrap());
            while !stdout.contains("Try:") && reader.read_line(&mut stdout).unwrap_or(0) > 0 {}
        }
        Server {
            child,
            log: Some(log),
            base: format!("http://{addr}/api/v1"),
            stdout,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, as a service manager stops it; waits for the process to exit.
    pub fn terminate(self) -> ExitStatus {
        self.terminate_with_log().0
    }

    /// As `terminate`, with every line the server logged after it started listening.
    pub fn terminate_with_log(mut self) -> (ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let status = self.child.wait().unwrap();
        let log = self.log.take().map(|reader| reader.join().unwrap());
        (status, log.unwrap_or_default())
    }

    /// SIGKILL: no shutdown, no flushing, like a crash or an OOM kill.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test shows what the server logged, which is often why.
        if std::thread::panicking()
            && let Some(log) = self.log.take().and_then(|reader| reader.join().ok())
        {
            eprintln!("the server's log:\n{}", log.join("\n"));
        }
    }
}

/// A client of a `serve` process's API, with one organization's key.
pub struct Api {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(server: &Server, key: String) -> Api {
        Api {
            base: server.base.clone(),
            key,
            http: reqwest::Client::new(),
        }
    }

    /// The answer, or `None` when the connection died (the server was killed).
    pub async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Option<(u16, Value)> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.json().await.ok()?))
    }

    /// The answer's body; panics unless it is a success.
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self
            .try_send(method, path, body)
            .await
            .expect("the server answers");
        assert!((200..300).contains(&status), "{path}: {status} {body}");
        body
    }

    pub async fn get(&self, path: &str) -> Value {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
}

/// `switchyard org create` on `data_dir`: the new organization's Owner key.
pub fn create_org(data_dir: &Path, name: &str, owner: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["--data-dir", data_dir.to_str().unwrap()])
        .args(["org", "create", "--name", name, "--owner", owner, "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    created["api_key"].as_str().unwrap().to_owned()
}
