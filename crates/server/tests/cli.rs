//! The `switchyard` binary as an operator runs it: commands against the same SQLite file a
//! running server uses, their exact `--json` output, and the keys they print working (or,
//! revoked, no longer working) on that server.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

#[path = "common/process.rs"]
mod process;

use process::Server;

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

/// `GET {path}` on the server with `key`: the status and the JSON body.
fn get_json(server: &Server, key: &str, path: &str) -> (u16, Value) {
    let response = reqwest::blocking::Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(key)
        .send()
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
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
    // Without the key cache, so that a key revoked by the CLI fails the very next request
    // (with it, within `--key-cache-ms`: tests/api/auth.rs moves the clock past that).
    let server = Server::start(dir.path(), &["--key-cache-ms", "0"]);

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
    let (status, body) = get_json(&server, &owner_key, "/org");
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
        let (status, _) = get_json(&server, key["api_key"].as_str().unwrap(), "/calls");
        assert_eq!(status, 200);
    }
    let (_, org_now) = get_json(&server, &owner_key, "/org");
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
    assert_eq!(get_json(&server, viewer_key, "/calls").0, 200);
    let revoked = switchyard(dir.path(), &["key", "revoke", &viewer_key[..13]]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert_eq!(get_json(&server, viewer_key, "/calls").0, 401);
    assert_eq!(get_json(&server, &owner_key, "/calls").0, 200);
}

/// One JSON line per request: its id, route pattern, status, latency and organization,
/// never the key. Read after SIGTERM, which writes out every line still buffered.
#[test]
fn each_request_is_one_json_log_line_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let org = stdout_json(&switchyard(
        dir.path(),
        &[
            "org",
            "create",
            "--name",
            "Log Freight",
            "--owner",
            "o@log.test",
            "--json",
        ],
    ));
    let key = org["api_key"].as_str().unwrap();
    let client = reqwest::blocking::Client::new();
    let missing = "6b07fddff7ceb6a42affc83d";
    let response = client
        .get(format!("{}/calls/{missing}", server.base))
        .bearer_auth(key)
        .header("x-request-id", "log-test-1")
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);

    let (status, log) = server.terminate_with_log();
    assert!(status.success(), "{status}");
    let lines: Vec<Value> = log
        .iter()
        .filter(|line| line.contains("log-test-1"))
        .map(|line| serde_json::from_str(line).expect("a JSON log line"))
        .collect();
    assert_eq!(lines.len(), 1, "{log:#?}");
    let line = &lines[0];
    let span = &line["span"];
    assert_eq!(span["request_id"], "log-test-1");
    assert_eq!(span["route"], "/api/v1/calls/{id}");
    assert_eq!(span["method"], "GET");
    assert_eq!(span["org_id"], org["organization_id"]);
    assert_eq!(span["key_prefix"], &key[..13]);
    assert_eq!(line["fields"]["status"], 404);
    assert!(line["fields"]["latency_ms"].as_f64().is_some(), "{line}");
    let stamp = line["timestamp"].as_str().expect("a timestamp");
    assert!(
        stamp.len() == "2026-11-26T15:04:05.123456Z".len()
            && stamp.ends_with('Z')
            && chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
        "{stamp}"
    );
    let secret = &key[13..];
    assert!(
        log.iter().all(|line| !line.contains(secret)),
        "the key was logged"
    );
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
    let (status, page) = get_json(&first, &key, "/calls?limit=100");
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
    // Finished calls come with the conversation, so the review app has something to show.
    for call in page["calls"].as_array().unwrap() {
        if call["status"] == "Completed" || call["status"] == "Transferred" {
            let (status, transcript) = get_json(
                &first,
                &key,
                &format!("/calls/{}/transcript", call["id"].as_str().unwrap()),
            );
            assert_eq!(status, 200, "{call}");
            assert!(
                transcript["messages"].as_array().unwrap().len() >= 4,
                "{transcript}"
            );
        }
    }
    assert_eq!(
        get_json(&first, &key, "/use-cases")
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get_json(&first, &key, "/numbers")
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    drop(first);

    let second = Server::start(dir.path(), &["--demo"]);
    let second_key = demo_key(&second.stdout);
    assert_ne!(second_key, key);
    let (_, again) = get_json(&second, &second_key, "/calls?limit=1");
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
