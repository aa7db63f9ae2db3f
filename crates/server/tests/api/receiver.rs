//! A real HTTP server standing in for a customer's webhook endpoint: it records every
//! request and answers with the statuses it is told to, in order (then 200), and the body
//! it is told to (none by default).
#![allow(dead_code)] // shared by several test binaries, each using a part

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// (status, Retry-After seconds) for the next requests.
    answers: VecDeque<(u16, Option<u64>)>,
    /// The body of every answer.
    body: Vec<u8>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    arrived: Arc<Notify>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let arrived = Arc::new(Notify::new());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state((inner.clone(), arrived.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            inner,
            arrived,
        }
    }

    /// The next requests get these answers, in order.
    pub fn answer_with(&self, answers: &[(u16, Option<u64>)]) {
        self.inner
            .lock()
            .unwrap()
            .answers
            .extend(answers.iter().copied());
    }

    /// Every answer from now on carries this body.
    pub fn answer_body(&self, body: &[u8]) {
        self.inner.lock().unwrap().body = body.to_vec();
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// Waits (for a server in another process, on the real clock) until a request whose
    /// body satisfies `wanted` has arrived, and returns it; panics after `timeout`.
    pub async fn wait_for(&self, timeout: Duration, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            if let Some(found) = self.events().into_iter().find(|event| wanted(event)) {
                return found;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "no such webhook within {timeout:?}; got {:?}",
                    self.events()
                );
            }
        }
    }

    /// The bodies of the requests received so far, parsed.
    pub fn events(&self) -> Vec<Value> {
        self.received().iter().map(Received::json).collect()
    }
}

type Shared = (Arc<Mutex<Inner>>, Arc<Notify>);

async fn receive(
    State((inner, arrived)): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.received.push(Received {
        headers,
        body: body.to_vec(),
    });
    arrived.notify_waiters();
    let (status, retry_after) = inner.answers.pop_front().unwrap_or((200, None));
    let status = StatusCode::from_u16(status).unwrap();
    let mut response = (status, inner.body.clone()).into_response();
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from(secs));
    }
    response
}
