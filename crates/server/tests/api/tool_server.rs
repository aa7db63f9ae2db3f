//! A real HTTP server standing in for an integrator's tool endpoints: it records every
//! request (method, path, query, headers, body) and answers as its path says.
//!
//! * `/loads`: a load as JSON, for the `load_id` it was sent (body or query).
//! * `/verify`: a carrier check as JSON, for the `mc_number` it was sent.
//! * `/text`: plain text. `/slow`: JSON after 3 s. `/error`: 500. `/huge`: 1 MiB of JSON.
//! * `/redirect`: a 302 to `/loads`, which must not be followed.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ToolRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl ToolRequest {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Checks the Standard Webhooks signature with the organization's secret.
    pub fn verify(&self, secret: &str) {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&self.body, &self.headers)
            .unwrap_or_else(|e| panic!("the tool request's signature does not verify: {e}"));
    }
}

#[derive(Clone)]
pub struct ToolServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    received: Arc<Mutex<Vec<ToolRequest>>>,
}

impl ToolServer {
    pub async fn start() -> ToolServer {
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/{*path}", any(answer))
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        ToolServer { base, received }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn received(&self) -> Vec<ToolRequest> {
        self.received.lock().unwrap().clone()
    }
}

async fn answer(
    State(received): State<Arc<Mutex<Vec<ToolRequest>>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = ToolRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body: body.to_vec(),
    };
    received.lock().unwrap().push(request.clone());
    let sent = |name: &str| -> Value {
        let from_body = serde_json::from_slice::<Value>(&request.body)
            .ok()
            .and_then(|b| b.get(name).cloned());
        let from_query = request.query.as_deref().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| Value::String(v.into_owned()))
        });
        from_body.or(from_query).unwrap_or(Value::Null)
    };
    match request.path.as_str() {
        "/loads" => axum::Json(json!({
            "load_id": sent("load_id"),
            "origin": "Dallas, TX",
            "destination": "Denver, CO",
            "rate_usd": 1850,
            "stops": ["Dallas", "Denver"],
        }))
        .into_response(),
        "/verify" => axum::Json(json!({
            "mc_number": sent("mc_number"),
            "eligible": true,
            "carrier_name": "Rolling Thunder LLC",
        }))
        .into_response(),
        "/text" => "Load LD-1042 is available at 1850 USD".into_response(),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            axum::Json(json!({"late": true})).into_response()
        }
        "/error" => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        "/huge" => axum::Json(json!({"blob": "a".repeat(1024 * 1024)})).into_response(),
        "/redirect" => (StatusCode::FOUND, [("location", "/loads")]).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
