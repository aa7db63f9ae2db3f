//! Recordings (contract §4 #6, §9): `GET /calls/{id}/recording` gives a signed link that
//! serves the call's WAV without an API key until it expires.

use crate::common::TestDatabase;
use crate::harness::{Fixture, TestApp, assert_error_body, id_of, test_engine_config};
use serde_json::{Value, json};
use switchyard::config::HttpConfig;
use switchyard_core::time::Timestamp;
use switchyard_engine::config::EngineConfig;
use switchyard_engine::sim::BUSY;

crate::backend_tests!(
    a_completed_call_has_a_signed_link_to_its_wav,
    tampered_links_are_forbidden,
    links_expire_and_their_lifetime_is_checked,
    only_ended_answered_calls_of_the_organization_have_a_recording,
    deleting_a_call_takes_its_recording_with_it,
    links_use_the_configured_public_url,
    recordings_last_the_simulated_call_at_any_sim_speed,
);

/// Dials a person and runs the engine until the call has ended (answered within 13.4 s,
/// at most 180 s of talk).
async fn completed_call(app: &TestApp, fixture: &Fixture, phone: &str) -> Value {
    let dialed = app.dial(fixture, phone, json!({})).await;
    app.run_engine().await;
    app.advance(200).await;
    let call = app
        .owner()
        .get(&format!("/calls/{}", id_of(&dialed)), 200)
        .await;
    assert_eq!(call["status"], "Completed", "{call}");
    call
}

async fn link(app: &TestApp, id: &str, query: &str) -> Value {
    app.owner()
        .get(&format!("/calls/{id}/recording{query}"), 200)
        .await
}

/// GET without any key: (status, content type, body).
async fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let response = reqwest::Client::new().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

struct Wav {
    channels: u16,
    sample_rate: u32,
    bits: u16,
    data_len: usize,
}

/// Reads the RIFF chunks of a WAV file: the `fmt ` fields and the `data` length.
fn read_wav(bytes: &[u8]) -> Wav {
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(u32_at(4) as usize, bytes.len() - 8, "RIFF size");
    let mut at = 12;
    let mut fmt = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(at + 4) as usize;
        let body = at + 8;
        if id == b"fmt " {
            fmt = Some((u16_at(body + 2), u32_at(body + 4), u16_at(body + 14)));
        } else if id == b"data" {
            let (channels, sample_rate, bits) = fmt.expect("`fmt ` before `data`");
            assert_eq!(
                body + size,
                bytes.len(),
                "the data runs to the end of the file"
            );
            return Wav {
                channels,
                sample_rate,
                bits,
                data_len: size,
            };
        }
        at = body + size + size % 2;
    }
    panic!("no data chunk");
}

fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key == name => format!("{key}={value}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

fn query_param<'a>(url: &'a str, name: &str) -> &'a str {
    let (_, query) = url.split_once('?').unwrap();
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

async fn a_completed_call_has_a_signed_link_to_its_wav(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = completed_call(&app, &fixture, "+14155550177").await;
    let id = id_of(&call);
    let duration = call["duration"].as_f64().expect("a duration");
    assert!(duration >= 45.0, "{duration}");

    let body = link(&app, &id, "").await;
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/recordings/{}/{id}.wav?", app.base, app.org.id)),
        "{url}"
    );
    // One hour by default.
    let expires_at = Timestamp::parse(body["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires_at, app.now().plus_seconds(3600));
    assert_eq!(
        query_param(url, "expires"),
        expires_at.unix_seconds().to_string()
    );

    let (status, content_type, bytes) = fetch(url).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "audio/wav");
    assert!(bytes.starts_with(b"RIFF"));
    let wav = read_wav(&bytes);
    assert_eq!(
        (wav.channels, wav.sample_rate, wav.bits),
        (1, 8000, 8),
        "8 kHz, 8-bit mono"
    );
    let secs = wav.data_len as f64 / 8000.0;
    assert!(
        (secs - duration).abs() <= 0.01,
        "the WAV lasts {secs} s, the call {duration} s"
    );
    // Any member may ask for the link; a second link serves the same file.
    let viewer = app
        .key(
            &app.org,
            "viewer@acme.test",
            switchyard_core::enums::Role::Viewer,
        )
        .await;
    let again = app
        .as_key(&viewer)
        .get(&format!("/calls/{id}/recording"), 200)
        .await;
    let (status, _, same) = fetch(again["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(same, bytes);
}

async fn tampered_links_are_forbidden(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = completed_call(&app, &fixture, "+14155550178").await;
    let other = completed_call(&app, &fixture, "+14155550179").await;
    let id = id_of(&call);
    let url = link(&app, &id, "").await["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fetch(&url).await.0, 200);

    let signature = query_param(&url, "signature").to_owned();
    let last = signature.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &signature[..signature.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let expires = query_param(&url, "expires").parse::<i64>().unwrap();
    let (base, _) = url.split_once('?').unwrap();
    let tampered = [
        ("signature", with_query_param(&url, "signature", &flipped)),
        ("empty signature", with_query_param(&url, "signature", "")),
        (
            "non-hex signature",
            with_query_param(&url, "signature", "zz"),
        ),
        (
            "later expiry",
            with_query_param(&url, "expires", &(expires + 3600).to_string()),
        ),
        ("call id", url.replace(&id, &id_of(&other))),
        (
            "organization",
            url.replace(&app.org.id.to_string(), "0123456789abcdef01234567"),
        ),
        (
            "non-numeric expiry",
            with_query_param(&url, "expires", "soon"),
        ),
        ("missing signature", format!("{base}?expires={expires}")),
        ("missing expiry", format!("{base}?signature={signature}")),
        ("no query", base.to_owned()),
    ];
    // Every case is tried before failing, so that one failure does not hide another.
    let mut wrong = Vec::new();
    for (what, bad) in tampered {
        assert_ne!(bad, url, "{what}");
        let (status, content_type, body) = fetch(&bad).await;
        let body = String::from_utf8_lossy(&body).into_owned();
        let json_error = serde_json::from_str::<Value>(&body)
            .is_ok_and(|b| b["message"].as_str().is_some_and(|m| !m.is_empty()));
        if status != 403 || !json_error {
            wrong.push(format!(
                "tampered {what}: {status} {content_type} {body:?} for {bad}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "tampered links must get a JSON 403:\n{}",
        wrong.join("\n")
    );
    // The genuine link still works.
    assert_eq!(fetch(&url).await.0, 200);
}

async fn links_expire_and_their_lifetime_is_checked(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = completed_call(&app, &fixture, "+14155550180").await;
    let id = id_of(&call);

    let body = link(&app, &id, "?expires_in_secs=60").await;
    let expires_at = Timestamp::parse(body["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires_at, app.now().plus_seconds(60));
    let url = body["url"].as_str().unwrap();
    app.clock.advance_seconds(59);
    assert_eq!(fetch(url).await.0, 200, "still valid at 59 s");
    app.clock.advance_seconds(2);
    let (status, _, body) = fetch(url).await;
    assert_eq!(status, 403, "expired at 61 s");
    assert_error_body(&serde_json::from_slice(&body).unwrap());
    // A new link works again.
    let fresh = link(&app, &id, "").await;
    assert_eq!(fetch(fresh["url"].as_str().unwrap()).await.0, 200);

    let week = link(&app, &id, "?expires_in_secs=604800").await;
    let week_end = Timestamp::parse(week["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(week_end, app.now().plus_seconds(604_800));
    for bad in ["0", "604801", "abc", "-5", "1.5"] {
        let body = app
            .owner()
            .get(&format!("/calls/{id}/recording?expires_in_secs={bad}"), 422)
            .await;
        assert_error_body(&body);
        assert_eq!(
            body["errors"][0]["field"], "expires_in_secs",
            "{bad}: {body}"
        );
    }
}

async fn only_ended_answered_calls_of_the_organization_have_a_recording(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let dialed = app.dial(&fixture, "+14155550181", json!({})).await;
    let id = id_of(&dialed);
    let path = format!("/calls/{id}/recording");
    assert_error_body(&app.owner().get(&path, 404).await);
    app.run_engine().await;
    app.advance(1).await;
    // Not answered yet (ringing takes at least 3 s).
    assert_error_body(&app.owner().get(&path, 404).await);
    app.advance(14).await;
    let live = app.owner().get(&format!("/calls/{id}"), 200).await;
    assert_eq!(live["status"], "In progress");
    app.owner().get(&path, 404).await;
    app.advance(200).await;
    let url = app.owner().get(&path, 200).await["url"]
        .as_str()
        .unwrap()
        .to_owned();

    // A busy line is never answered: nothing was recorded.
    let busy = app.dial(&fixture, BUSY, json!({})).await;
    app.run_engine().await;
    app.advance(10).await;
    let busy_id = id_of(&busy);
    let ended = app.owner().get(&format!("/calls/{busy_id}"), 200).await;
    assert_eq!(ended["status"], "Busy");
    app.owner()
        .get(&format!("/calls/{busy_id}/recording"), 404)
        .await;

    // Another organization sees no such call, and its links do not open ours.
    let other = app.new_org("Other Freight", "boss@other.test").await;
    let theirs = app.as_key(&other.owner_key);
    assert_error_body(&theirs.get(&path, 404).await);
    let other_fixture = app.number_with_use_case(&other, "Their sales").await;
    let their_call = app
        .as_key(&other.owner_key)
        .post(
            "/dial/outbound",
            json!({"number_id": other_fixture.number_id.to_string(), "phone_number": "+14155550182"}),
            200,
        )
        .await;
    app.run_engine().await;
    app.advance(200).await;
    let their_link = theirs
        .get(&format!("/calls/{}/recording", id_of(&their_call)), 200)
        .await;
    let their_url = their_link["url"].as_str().unwrap();
    assert_eq!(fetch(their_url).await.0, 200);
    // Their signature on our call's path.
    let crossed = with_query_param(&url, "signature", query_param(their_url, "signature"));
    assert_eq!(fetch(&crossed).await.0, 403);
    app.owner()
        .get("/calls/0123456789abcdef01234567/recording", 404)
        .await;
    app.owner().get("/calls/not-an-id/recording", 400).await;
}

async fn deleting_a_call_takes_its_recording_with_it(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = completed_call(&app, &fixture, "+14155550183").await;
    let id = id_of(&call);
    let url = link(&app, &id, "").await["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fetch(&url).await.0, 200);

    let deleted = app.owner().delete(&format!("/calls/{id}"), 200).await;
    assert_eq!(deleted["id"], id.as_str());
    let (status, content_type, body) = fetch(&url).await;
    assert!(
        status == 404 || status == 403,
        "the deleted call's recording is still served: {status}"
    );
    assert_ne!(content_type, "audio/wav");
    assert!(!body.starts_with(b"RIFF"));
    app.owner()
        .get(&format!("/calls/{id}/recording"), 404)
        .await;
}

async fn links_use_the_configured_public_url(db: TestDatabase) {
    let http = HttpConfig {
        public_url: Some("https://calls.example.com/".to_owned()),
        ..HttpConfig::default()
    };
    let app = TestApp::spawn_with(db, http).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let call = completed_call(&app, &fixture, "+14155550184").await;
    let id = id_of(&call);
    let url = link(&app, &id, "").await["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let prefix = format!(
        "https://calls.example.com/recordings/{}/{id}.wav?",
        app.org.id
    );
    assert!(url.starts_with(&prefix), "{url}");
    // The same path and query on this server serve the file.
    let local = url.replacen("https://calls.example.com", &app.base, 1);
    assert_eq!(fetch(&local).await.0, 200);
}

/// `sim_speed` makes the simulated network faster than real time (demos): the call's
/// simulated length (45 to 180 s of talk) must not depend on it.
async fn recordings_last_the_simulated_call_at_any_sim_speed(db: TestDatabase) {
    let config = EngineConfig {
        sim_speed: 60.0,
        ..test_engine_config()
    };
    let app = TestApp::spawn_configured(db, HttpConfig::default(), config).await;
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let dialed = app
            .dial(&fixture, &format!("+1415555021{i}"), json!({}))
            .await;
        ids.push(id_of(&dialed));
    }
    app.run_engine().await;
    // 193.4 simulated seconds at most: 3.3 real seconds.
    for _ in 0..5 {
        app.advance(1).await;
    }
    let mut durations = Vec::new();
    for id in &ids {
        let call = app.owner().get(&format!("/calls/{id}"), 200).await;
        assert_eq!(call["status"], "Completed", "{call}");
        let duration = call["duration"].as_f64().unwrap();
        durations.push(duration);
        let url = link(&app, id, "").await["url"].as_str().unwrap().to_owned();
        let (status, _, bytes) = fetch(&url).await;
        assert_eq!(status, 200);
        let secs = read_wav(&bytes).data_len as f64 / 8000.0;
        assert!((secs - duration).abs() <= 0.01, "{secs} vs {duration}");
    }
    // Rounding to real milliseconds is 60 simulated milliseconds at most.
    let outside: Vec<f64> = durations
        .iter()
        .copied()
        .filter(|d| !(44.9..=180.1).contains(d))
        .collect();
    assert!(
        outside.is_empty(),
        "talk lasts 45 to 180 simulated seconds, got {durations:?}"
    );
    assert!(
        !durations.iter().all(|d| (d / 60.0).fract() == 0.0),
        "every duration is a whole number of real seconds times the sim speed: {durations:?}"
    );
}
