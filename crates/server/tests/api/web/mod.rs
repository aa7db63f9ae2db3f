//! The review app over HTTP: sign-in, sessions (expiry, sign-out, revoked keys), CSRF,
//! roles and organizations on the pages, and page actions visible through the API.

mod access;
pub mod client;
mod dashboard;
mod forms;
mod hardening;
mod live;
mod live_relay;
mod pages;
mod queue;
mod sessions;
mod settings_agents;
mod settings_keys;
mod settings_members;
mod settings_numbers;
mod settings_secret;
mod settings_use_cases;
mod stream;
mod webhooks;

use crate::harness::TestApp;
use serde_json::{Value, json};

/// A queued call of the first organization, dialed through the API.
pub async fn a_call(app: &TestApp, phone: &str) -> Value {
    let fixture = app.number_with_use_case(&app.org, "Carrier sales").await;
    app.dial(&fixture, phone, json!({"tags": ["web"]})).await
}
