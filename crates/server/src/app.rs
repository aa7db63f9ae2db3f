//! The top of the server: the HTTP API, the review app, the docs and the metrics under one
//! router with its middleware, and the serve loop. Nothing below imports this module.

use crate::api;
use crate::connections::{self, ConnectionLimits};
use crate::json_errors;
use crate::limits::{self, Limits};
use crate::observability;
use crate::state::AppState;
use crate::web;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::HeaderName;
use axum::http::header::AUTHORIZATION;
use axum::middleware;
use axum::routing::get;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower::util::MapRequestLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

/// The routes and their middleware, outermost first: the request id around it all, one
/// log line per request, metrics, the rate, time and capacity limits, panics as `500`,
/// and the body limit. One `ServiceBuilder` stack rather than one `Router::layer` per
/// middleware: axum boxes each route once per `layer` call, and every request cloned the
/// eight nested boxes of its route (about an eighth of a `GET /calls/{id}`'s instructions).
pub fn router(state: AppState) -> Router {
    let body_limit = state.http.body_limit_bytes;
    let limits = Limits::new(&state.http);
    let middleware = ServiceBuilder::new()
        .layer(SetSensitiveRequestHeadersLayer::new([AUTHORIZATION]))
        .map_request(drop_unsafe_request_id)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(middleware::map_response(json_errors::as_json))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(log_response),
        )
        .layer(middleware::from_fn(observability::track))
        .layer(middleware::from_fn_with_state(limits, limits::enforce))
        .layer(CatchPanicLayer::custom(api::panic_response))
        .layer(DefaultBodyLimit::max(body_limit));
    let (api, document) = api::router(state.http.batch_body_limit_bytes).split_for_parts();
    api.merge(api::openapi::routes(api::openapi::finish(document)))
        .route("/metrics", get(observability::metrics))
        .merge(web::routes())
        .fallback(api::not_found)
        .layer(middleware)
        .with_state(state)
}

/// The span every request's log lines carry; the organization and key prefix are filled
/// in once the key is checked (`auth.rs`).
fn request_span(request: &Request) -> tracing::Span {
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
        method = %observability::method_label(request.method()),
        // Displayed, not quoted and escaped character by character: the router's own
        // pattern. The request id comes from the client and keeps its quotes.
        route = %route,
        org_id = tracing::field::Empty,
        key_prefix = tracing::field::Empty,
    )
}

/// The request's line, in its span: the status, and the time to the response head in
/// milliseconds (a field named with its unit, docs/LOGGING.md; tower-http's own line wrote
/// `latency` as text with the unit in it).
fn log_response<B>(response: &axum::http::Response<B>, latency: Duration, _span: &tracing::Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "finished processing request"
    );
}

/// What a connection beyond `--max-connections` gets to every request: `503` with
/// `Retry-After`, and a request id like every other answer.
fn refusal_router() -> Router {
    Router::new()
        .fallback(limits::at_capacity)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(MapRequestLayer::new(drop_unsafe_request_id))
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The longest client-chosen request id kept.
const MAX_REQUEST_ID_LEN: usize = 128;

/// A client's `x-request-id` is echoed and logged, so it is kept only when it is one short
/// value of safe characters (letters, digits, `-_.:/+=@`); otherwise it is dropped and the
/// next layer makes a fresh one.
fn drop_unsafe_request_id<B>(mut request: axum::http::Request<B>) -> axum::http::Request<B> {
    let mut given = request.headers().get_all(REQUEST_ID).iter();
    let safe = match (given.next(), given.next()) {
        (None, _) => return request,
        (Some(id), None) => is_safe_request_id(id.as_bytes()),
        (Some(_), Some(_)) => false,
    };
    if !safe {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

pub fn is_safe_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
}

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
