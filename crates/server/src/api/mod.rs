//! The HTTP API under `/api/v1`, one module per resource. Handlers are thin: parse, check
//! the role, call the store, shape the response.

pub mod agents;
pub mod calls;
pub mod dial;
pub mod exports;
pub mod health;
pub mod nullable;
pub mod numbers;
pub mod openapi;
pub mod org;
pub mod recordings;
pub mod sim;
pub mod usage;
pub mod use_cases;
pub mod validate;

use crate::app::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::response::{IntoResponse, Response};

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(calls::routes())
        .merge(dial::routes(state.http.batch_body_limit_bytes))
        .merge(use_cases::routes())
        .merge(agents::routes())
        .merge(numbers::routes())
        .merge(org::routes())
        .merge(sim::routes())
        .merge(exports::routes())
        .merge(usage::routes())
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint: the API lives under /api/v1".to_owned())
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::Internal("handler panicked".into()).into_response()
}
