//! The application: shared state, the router with its middleware, and the serve loop.

use crate::api;
use crate::config::HttpConfig;
use crate::connections::{self, ConnectionLimits};
use crate::exports::ExportWorker;
use crate::limits::{self, Limits};
use crate::observability;
use crate::recordings::RecordingLinks;
use crate::web;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::HeaderName;
use axum::http::header::AUTHORIZATION;
use axum::middleware;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use switchyard_core::store::Store;
use switchyard_core::time::Clock;
use switchyard_engine::Engine;
use switchyard_engine::blob::BlobStore;
use tokio::net::TcpListener;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::DefaultOnResponse;
use tower_http::trace::TraceLayer;
use tracing::Level;

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
    pub metrics: PrometheusHandle,
}

/// The routes, then (innermost first): body limit, panics as `500`, the rate, time and
/// capacity limits, metrics, one log line per request, and the request id around it all.
pub fn router(state: AppState) -> Router {
    let body_limit = state.http.body_limit_bytes;
    let limits = Limits::new(&state.http);
    Router::new()
        .nest("/api/v1", api::routes(&state))
        .merge(api::health::routes())
        .merge(api::recordings::routes())
        .merge(api::openapi::routes())
        .route("/metrics", get(observability::metrics))
        .merge(web::routes())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(api::panic_response))
        .layer(middleware::from_fn_with_state(limits, limits::enforce))
        .layer(middleware::from_fn(observability::track))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", |p| p.as_str());
                    let request_id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!(
                        "request",
                        request_id,
                        method = %request.method(),
                        route,
                        org_id = tracing::field::Empty,
                        key_prefix = tracing::field::Empty,
                    )
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([AUTHORIZATION]))
        .with_state(state)
}

/// What a connection beyond `--max-connections` gets to every request: `503` with
/// `Retry-After`, and a request id like every other answer.
fn refusal_router() -> Router {
    Router::new()
        .fallback(limits::at_capacity)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = ConnectionLimits {
        max_connections: state.http.max_connections,
        idle_timeout: Duration::from_millis(state.http.idle_timeout_ms.max(1)),
    };
    connections::serve(listener, router(state), refusal_router(), limits, shutdown).await
}
