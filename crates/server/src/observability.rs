//! What operators see: an `x-request-id` on every request and response, one log line per
//! request (request id, route, status, latency, organization; never a key), and
//! `GET /metrics` in the Prometheus text format.
//!
//! Request counts and latencies are recorded by a middleware through the `metrics` crate;
//! the state of the platform (calls by status, queue depth, webhook backlog, database
//! pool) is read from the store when scraped, so it is never stale.

use crate::json_errors::PlainText;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};
use switchyard_core::lifecycle::CallStatus;

const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// How often the recorder's histograms are emptied into their buckets when nobody scrapes
/// `/metrics`: until then every request's latency is kept as a sample of its own, and a
/// server that was never scraped grew by about 15 bytes a request (docs/OPERATIONS.md;
/// metrics-exporter-prometheus leaves this upkeep to the caller when it does not run its
/// own HTTP listener).
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process-wide recorder (the `metrics` macros write to one global recorder, so every
/// server in a process shares it; tests run several), and its upkeep thread.
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
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".to_owned())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_INTERVAL);
                        upkeep.run_upkeep();
                    }
                })
                .expect("a thread can be started at start-up");
            handle
        })
        .clone()
}

/// Counts every request and records its latency by route pattern (never the raw path,
/// whose ids would make one series per call). Every label comes from a bounded set: the
/// router's patterns (or `unmatched`), the standard methods (or `other`), and the status
/// the server chose, so no client can grow the registry (docs/SECURITY.md).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    let route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
    let recorded = {
        let known = REQUEST_SERIES
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        known
            .get(route)
            .is_some_and(|of_route| record_in(of_route, method, status, seconds))
    };
    if !recorded {
        // A series not seen yet: looked for again under the write lock, since another
        // request may have registered it meanwhile.
        let mut known = REQUEST_SERIES
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let of_route = known.entry(route.to_owned()).or_default();
        if !record_in(of_route, method, status, seconds) {
            let series = Series::register(method, route, status);
            series.record(seconds);
            of_route.push(series);
        }
    }
    response
}

/// A request method as a label: one of HTTP's standard methods, else `other` (any token is
/// a valid method, and one series per invented method grew the server without limit).
pub fn method_label(method: &Method) -> &'static str {
    static STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    STANDARD
        .iter()
        .find(|standard| *standard == method)
        .map_or("other", Method::as_str)
}

/// Records a request in its series among `of_route`'s; false if it has none yet.
fn record_in(of_route: &[Series], method: &str, status: u16, seconds: f64) -> bool {
    let series = of_route
        .iter()
        .find(|s| s.status == status && s.method == method);
    series.inspect(|s| s.record(seconds)).is_some()
}

const UNMATCHED: &str = "unmatched";

/// The handles of the request series seen so far, by route. The `metrics` macros build a key
/// from three label strings, hash it and look it up in the recorder on every call: about
/// 8% of the instructions of a request that does little else (bench/README.md). Routes are
/// the router's patterns, so the map stays as small as the API.
static REQUEST_SERIES: LazyLock<RwLock<HashMap<String, Vec<Series>>>> =
    LazyLock::new(RwLock::default);

/// One route's count and latency for one method and status.
struct Series {
    method: &'static str,
    status: u16,
    count: Counter,
    latency: Histogram,
}

impl Series {
    fn register(method: &'static str, route: &str, status: u16) -> Series {
        let labels = [
            ("method", method.to_owned()),
            ("route", route.to_owned()),
            ("status", status.to_string()),
        ];
        Series {
            count: metrics::counter!("http_requests_total", &labels),
            latency: metrics::histogram!("http_request_duration_seconds", &labels),
            method,
            status,
        }
    }

    fn record(&self, seconds: f64) {
        self.count.increment(1);
        self.latency.record(seconds);
    }
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.metrics.render();
    match platform_gauges(&state).await {
        Ok(gauges) => text.push_str(&gauges),
        Err(error) => {
            tracing::error!(%error, "metrics: cannot read the platform's state");
            let answer = (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n");
            return (Extension(PlainText), answer).into_response();
        }
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn platform_gauges(state: &AppState) -> Result<String, switchyard_core::store::StoreError> {
    let counts = state.services.store.call_status_counts().await?;
    let backlog = state.services.store.webhook_backlog().await?;
    let pool = state.services.store.pool_stats();
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
