//! What operators see: an `x-request-id` on every request and response, one log line per
//! request (request id, route, status, latency, organization; never a key), and
//! `GET /metrics` in the Prometheus text format.
//!
//! Request counts and latencies are recorded by a middleware through the `metrics` crate;
//! the state of the platform (calls by status, queue depth, webhook backlog, database
//! pool) is read from the store when scraped, so it is never stale.

use crate::app::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;
use switchyard_core::lifecycle::CallStatus;

const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The process-wide recorder (the `metrics` macros write to one global recorder, so every
/// server in a process shares it; tests run several).
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".to_owned()),
                    &LATENCY_BUCKETS,
                )
                .expect("the bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; ours then stays unused
            // and /metrics shows the platform gauges only.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts every request and records its latency by route pattern (never the raw path,
/// whose ids would make one series per call).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.metrics.render();
    match platform_gauges(&state).await {
        Ok(gauges) => text.push_str(&gauges),
        Err(error) => {
            tracing::error!(%error, "metrics: cannot read the platform's state");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
        }
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn platform_gauges(state: &AppState) -> Result<String, switchyard_core::store::StoreError> {
    let counts = state.store.call_status_counts().await?;
    let backlog = state.store.webhook_backlog().await?;
    let pool = state.store.pool_stats();
    let mut text = String::new();
    text.push_str("# HELP switchyard_calls Calls by status, all organizations.\n# TYPE switchyard_calls gauge\n");
    for status in CallStatus::ALL {
        let count = counts
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        text.push_str(&format!(
            "switchyard_calls{{status=\"{status}\"}} {count}\n"
        ));
    }
    let queued = counts
        .iter()
        .find(|(s, _)| *s == CallStatus::Queued)
        .map_or(0, |(_, n)| *n);
    text.push_str("# HELP switchyard_queue_depth Calls waiting to be dialed.\n# TYPE switchyard_queue_depth gauge\n");
    text.push_str(&format!("switchyard_queue_depth {queued}\n"));
    text.push_str("# HELP switchyard_webhook_backlog Webhook deliveries not yet delivered nor given up.\n# TYPE switchyard_webhook_backlog gauge\n");
    text.push_str(&format!("switchyard_webhook_backlog {backlog}\n"));
    text.push_str("# HELP switchyard_db_connections Database connections by state.\n# TYPE switchyard_db_connections gauge\n");
    text.push_str(&format!(
        "switchyard_db_connections{{state=\"open\"}} {}\n",
        pool.open
    ));
    text.push_str(&format!(
        "switchyard_db_connections{{state=\"idle\"}} {}\n",
        pool.idle
    ));
    Ok(text)
}
