//! A real HTTP server speaking the OpenAI chat-completions API: it records every request
//! and answers with the turns it was given, in order (then a plain sentence), so a
//! model-played agent is tested end to end without a network.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// What the stub answers next.
pub enum Turn {
    /// `tool_calls`: (id, function name, arguments as JSON).
    ToolCalls(Vec<(&'static str, &'static str, Value)>),
    Text(&'static str),
}

/// Said once the scripted turns are used up.
pub const DEFAULT_TEXT: &str = "Happy to help with that.";

#[derive(Default)]
struct Inner {
    turns: VecDeque<Turn>,
    requests: Vec<Value>,
}

#[derive(Clone)]
pub struct ChatStub {
    /// The base URL to configure, ending in `/v1`.
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

impl ChatStub {
    pub async fn start(turns: Vec<Turn>) -> ChatStub {
        let inner = Arc::new(Mutex::new(Inner {
            turns: turns.into(),
            requests: Vec::new(),
        }));
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .route("/v1/models", get(|| async { StatusCode::OK }))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        ChatStub { base_url, inner }
    }

    /// The JSON bodies of the chat requests received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.inner.lock().unwrap().requests.clone()
    }
}

async fn complete(State(inner): State<Arc<Mutex<Inner>>>, Json(body): Json<Value>) -> Json<Value> {
    let mut inner = inner.lock().unwrap();
    inner.requests.push(body);
    let message = match inner.turns.pop_front() {
        Some(Turn::ToolCalls(calls)) => json!({
            "role": "assistant",
            "content": null,
            "tool_calls": calls.iter().map(|(id, name, arguments)| json!({
                "id": id,
                "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()},
            })).collect::<Vec<_>>(),
        }),
        Some(Turn::Text(text)) => json!({"role": "assistant", "content": text}),
        None => json!({"role": "assistant", "content": DEFAULT_TEXT}),
    };
    Json(json!({
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }))
}
