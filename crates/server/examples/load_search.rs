//! A load-search tool, as an integrator would write one for switchyard's agent: it answers
//! `POST /loads` with the load the agent asks about, after checking that the request was
//! signed with the organization's secret (the same Standard Webhooks signature as
//! webhooks). docs/AGENT.md walks through it.
//!
//! ```sh
//! SWITCHYARD_WEBHOOK_SECRET=whsec_... cargo run -p switchyard --example load_search -- 127.0.0.1:9000
//! ```

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The loads this example knows; a real integration would ask its TMS.
const LOADS: [(&str, &str, &str, u32); 3] = [
    ("LD-1", "Dallas, TX", "Denver, CO", 1850),
    ("LD-2", "Chicago, IL", "Atlanta, GA", 2100),
    ("LD-3", "Fresno, CA", "Portland, OR", 1600),
];

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".to_owned());
    let app = Router::new().route("/loads", post(find_load));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("load search listening on http://{addr}/loads");
    axum::serve(listener, app).await
}

async fn find_load(headers: HeaderMap, body: Bytes) -> Result<Json<Value>, StatusCode> {
    // Refuse what switchyard did not sign, when we know the secret.
    if let Ok(secret) = std::env::var("SWITCHYARD_WEBHOOK_SECRET") {
        let webhook = standardwebhooks::Webhook::new(&secret)
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        webhook
            .verify(&body, &headers)
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
    }
    let call = headers
        .get("x-switchyard-call-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("?");
    let arguments: Value = serde_json::from_slice(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    println!("call {call} asks for {arguments}");
    let wanted = arguments["load_id"].as_str().unwrap_or_default();
    let answer = match LOADS.iter().find(|(id, ..)| *id == wanted) {
        Some((load_id, origin, destination, rate)) => json!({
            "found": true,
            "load_id": load_id,
            "origin": origin,
            "destination": destination,
            "rate_usd": rate,
        }),
        None => json!({"found": false, "reason": format!("no load {wanted}")}),
    };
    Ok(Json(answer))
}
