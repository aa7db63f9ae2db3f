//! The HTTP API under `/api/v1`, one module per resource, plus `/healthz` and the signed
//! recording links. Handlers are thin: they read the request (extractors), call the
//! service layer (`switchyard_service`) and shape its answer; every route is declared once,
//! by its handler's `#[utoipa::path]`, which also describes it in the OpenAPI document.

mod agents;
pub mod auth;
mod calls;
mod dial;
mod exports;
mod health;
mod numbers;
pub mod openapi;
mod org;
mod prompts;
mod recordings;
mod sandbox;
mod sim;
mod usage;
mod use_cases;
mod webhooks;

use crate::error::ApiError;
use crate::state::AppState;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;

/// Every route of the API with its document (before `openapi::finish`); the batched and
/// scheduled dial endpoints take bodies up to `batch_body_limit_bytes`.
pub fn router(batch_body_limit_bytes: usize) -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(calls::router())
        .merge(exports::router())
        .merge(dial::router(batch_body_limit_bytes))
        .merge(use_cases::router())
        .merge(agents::router())
        .merge(prompts::router())
        .merge(numbers::router())
        .merge(org::router())
        .merge(usage::router())
        .merge(webhooks::router())
        .merge(sim::router())
        .merge(sandbox::router());
    OpenApiRouter::with_openapi(openapi::base())
        .nest("/api/v1", api)
        .merge(recordings::router())
        .merge(health::router())
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint: the API lives under /api/v1".to_owned())
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::Internal("handler panicked".into()).into_response()
}
