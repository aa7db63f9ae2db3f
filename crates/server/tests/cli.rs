//! The `switchyard` binary as an operator runs it: commands against the same SQLite file a
//! running server uses, their exact `--json` output, and the keys they print working (or,
//! revoked, no longer working) on that server.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn switchyard(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .env("SWITCHYARD_DATA_DIR", data_dir)
        .env_remove("SWITCHYARD_DATABASE_URL")
        .output()
        .expect("run switchyard")
}

fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON object")
}

/// A `switchyard serve` process on a random port, killed when dropped.
struct Server {
    child: Child,
    base: String,
    stdout: String,
}

impl Server {
    fn start(data_dir: &Path, extra: &[&str]) -> Server {
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
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut addr = None;
        for line in stderr.lines() {
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
        // `--demo` prints its key on stdout before the server starts listening.
        let mut stdout = String::new();
        if extra.contains(&"--demo") {
            let mut reader = BufReader::new(child.stdout.take().unwrap());
            while !stdout.contains("Try:") && reader.read_line(&mut stdout).unwrap_or(0) > 0 {}
        }
        Server {
            child,
            base: format!("http://{addr}/api/v1"),
            stdout,
        }
    }

    fn status(&self, key: &str, path: &str) -> (u16, Value) {
        let response = reqwest::blocking::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn commands_share_the_database_with_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = switchyard(dir.path(), &["migrate"]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let server = Server::start(dir.path(), &[]);

    let created = switchyard(
        dir.path(),
        &[
            "org",
            "create",
            "--name",
            "Acme Freight",
            "--owner",
            "Boss@Acme.test",
            "--json",
        ],
    );
    let text = String::from_utf8(created.stdout.clone()).unwrap();
    assert!(text.starts_with("{\"organization_id\":\""), "{text}");
    let org = stdout_json(&created);
    assert_eq!(org.as_object().unwrap().len(), 2, "{org}");
    let owner_key = org["api_key"].as_str().unwrap().to_owned();
    let org_id = org["organization_id"].as_str().unwrap().to_owned();
    let (status, body) = server.status(&owner_key, "/org");
    assert_eq!(status, 200);
    assert_eq!(body["id"], org_id.as_str());
    assert_eq!(body["members"][0]["email"], "boss@acme.test");
    assert!(
        !body.to_string().contains(&owner_key),
        "the secret is never shown again"
    );

    // Several commands writing at once, while the server serves.
    let writers: Vec<_> = (0..4)
        .map(|i| {
            let dir = dir.path().to_owned();
            let org_id = org_id.clone();
            std::thread::spawn(move || {
                stdout_json(&switchyard(
                    &dir,
                    &[
                        "key",
                        "create",
                        "--org",
                        &org_id,
                        "--email",
                        &format!("rep{i}@acme.test"),
                        "--role",
                        "Representative",
                        "--json",
                    ],
                ))
            })
        })
        .collect();
    for writer in writers {
        let key = writer.join().unwrap();
        assert_eq!(key.as_object().unwrap().len(), 1, "{key}");
        let (status, _) = server.status(key["api_key"].as_str().unwrap(), "/calls");
        assert_eq!(status, 200);
    }
    let (_, org_now) = server.status(&owner_key, "/org");
    assert_eq!(org_now["members"].as_array().unwrap().len(), 5);

    let viewer = stdout_json(&switchyard(
        dir.path(),
        &[
            "key",
            "create",
            "--org",
            &org_id,
            "--email",
            "viewer@acme.test",
            "--role",
            "Viewer",
            "--json",
        ],
    ));
    let viewer_key = viewer["api_key"].as_str().unwrap();
    assert_eq!(server.status(viewer_key, "/calls").0, 200);
    let revoked = switchyard(dir.path(), &["key", "revoke", &viewer_key[..13]]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert_eq!(server.status(viewer_key, "/calls").0, 401);
    assert_eq!(server.status(&owner_key, "/calls").0, 200);
}

#[test]
fn bad_command_input_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 4] = [
        &["org", "create", "--name", "Acme", "--owner", "not-an-email"],
        &[
            "key",
            "create",
            "--org",
            "0123456789abcdef01234567",
            "--email",
            "a@b.test",
            "--role",
            "Boss",
        ],
        &[
            "key",
            "create",
            "--org",
            "0123456789abcdef01234567",
            "--email",
            "a@b.test",
            "--role",
            "Viewer",
        ],
        &["key", "revoke", "sy_0000000000"],
    ];
    for args in cases {
        let output = switchyard(dir.path(), args);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(!output.stderr.is_empty(), "{args:?}: a message on stderr");
    }
}

#[test]
fn demo_data_is_created_once_and_a_fresh_key_printed_each_start() {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path(), &["--demo"]);
    let key = demo_key(&first.stdout);
    let (status, page) = first.status(&key, "/calls?limit=100");
    assert_eq!(status, 200);
    let calls = page["count"].as_u64().unwrap();
    assert!(calls >= 24, "a few dozen demo calls, got {calls}");
    let statuses: std::collections::BTreeSet<_> = page["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap().to_owned())
        .collect();
    assert!(statuses.len() >= 5, "varied statuses: {statuses:?}");
    assert_eq!(
        first.status(&key, "/use-cases").1.as_array().unwrap().len(),
        1
    );
    assert_eq!(
        first.status(&key, "/numbers").1.as_array().unwrap().len(),
        1
    );
    drop(first);

    let second = Server::start(dir.path(), &["--demo"]);
    let second_key = demo_key(&second.stdout);
    assert_ne!(second_key, key);
    let (_, again) = second.status(&second_key, "/calls?limit=1");
    assert_eq!(
        again["count"].as_u64().unwrap(),
        calls,
        "no second copy of the demo"
    );
}

fn demo_key(stdout: &str) -> String {
    stdout
        .split_whitespace()
        .find(|word| word.starts_with("sy_"))
        .unwrap_or_else(|| panic!("no key in the demo output: {stdout}"))
        .to_owned()
}
