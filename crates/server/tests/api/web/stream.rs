//! A client of `/events` for the tests: opens a stream with a browser's session, reads
//! its events one by one, and runs the engine until a call has ended.

use super::client::Browser;
use crate::harness::TestApp;
use serde_json::Value;
use std::time::Duration;
use switchyard::web::SESSION_COOKIE;

/// One event of the stream.
#[derive(Debug)]
pub struct Event {
    pub name: String,
    pub id: Option<String>,
    pub data: Value,
}

/// An open `/events` stream.
pub struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    pub async fn open(
        app: &TestApp,
        browser: &Browser<'_>,
        path: &str,
        last_id: Option<&str>,
    ) -> Stream {
        let response = open(app, browser, path, last_id).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped). What the test expects has already
    /// happened when this is called: the timeout only turns a missing event into a failure.
    pub async fn next(&mut self) -> Event {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut id, mut data) = (String::new(), None, String::new());
                for line in block.lines() {
                    match line.split_once(':') {
                        Some(("event", value)) => name = value.trim().to_owned(),
                        Some(("id", value)) => id = Some(value.trim().to_owned()),
                        Some(("data", value)) => data.push_str(value.trim()),
                        _ => {}
                    }
                }
                if name.is_empty() {
                    continue;
                }
                let data = serde_json::from_str(&data).expect("JSON data");
                return Event { name, id, data };
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .expect("the stream reads")
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The stream ends with nothing but keep-alive comments before its end.
    pub async fn ends(mut self) {
        loop {
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("the stream ends within 10 s")
                .expect("the stream reads");
            let Some(chunk) = chunk else { return };
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            assert!(
                self.buffer
                    .lines()
                    .all(|line| line.is_empty() || line.starts_with(':')),
                "an event before the end: {}",
                self.buffer
            );
        }
    }

    /// The events up to and including the call's final status.
    pub async fn until_final(&mut self, call: &str) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let event = self.next().await;
            let done = event.name == "status"
                && event.data["call_id"] == call
                && event.data["final"] == true;
            events.push(event);
            if done {
                return events;
            }
        }
    }
}

pub async fn open(
    app: &TestApp,
    browser: &Browser<'_>,
    path: &str,
    last_id: Option<&str>,
) -> reqwest::Response {
    let mut request = app.http.get(format!("{}{path}", app.base));
    if let Some(session) = browser.cookie(SESSION_COOKIE) {
        request = request.header("cookie", format!("{SESSION_COOKIE}={session}"));
    }
    if let Some(id) = last_id {
        request = request.header("last-event-id", id);
    }
    request.send().await.unwrap()
}

/// Runs the engine until the call `id` (of the organization of `key`) has ended, in steps
/// of five seconds so that each status the call passes through is written on its own.
pub async fn run_to_the_end(app: &TestApp, key: &str, id: &str) {
    app.run_engine().await;
    for _ in 0..720 {
        let call = app.as_key(key).get(&format!("/calls/{id}"), 200).await;
        if call["end_reason"].is_string() {
            return;
        }
        app.advance(5).await;
    }
    panic!("call {id} did not end within an hour");
}

pub fn statuses(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .filter(|e| e.name == "status")
        .map(|e| e.data["status"].as_str().unwrap())
        .collect()
}

/// The statuses of the events but `Ringing`, which has an event of its own only when the
/// simulated ring and answer fall in different engine steps (the ring's length varies).
pub fn steps(events: &[Event]) -> Vec<&str> {
    let all = statuses(events);
    assert!(
        all.iter().filter(|s| **s == "Ringing").count() <= 1,
        "{all:?}"
    );
    all.into_iter().filter(|s| *s != "Ringing").collect()
}
