//! The application: shared state, the router with its middleware, and the serve loop.

use crate::api;
use crate::config::HttpConfig;
use crate::exports::ExportWorker;
use crate::recordings::RecordingLinks;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::AUTHORIZATION;
use std::future::Future;
use std::sync::Arc;
use switchyard_core::store::Store;
use switchyard_core::time::Clock;
use switchyard_engine::Engine;
use switchyard_engine::blob::BlobStore;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub http: Arc<HttpConfig>,
    /// Stop and cancel go through it; dialing wakes it. On an API-only replica it is
    /// built but not run (another instance's engine does the work).
    pub engine: Arc<Engine>,
    /// Where the engine keeps recordings (the same store it writes to).
    pub blobs: Arc<dyn BlobStore>,
    pub recording_links: RecordingLinks,
    /// `POST /calls/export` wakes it; on an API-only replica it is built but not run.
    pub exports: Arc<ExportWorker>,
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.http.body_limit_bytes;
    Router::new()
        .nest("/api/v1", api::routes(&state))
        .merge(api::health::routes())
        .merge(api::recordings::routes())
        .merge(api::openapi::routes())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(api::panic_response))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    org_id = tracing::field::Empty,
                    key_prefix = tracing::field::Empty,
                )
            }),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([AUTHORIZATION]))
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
