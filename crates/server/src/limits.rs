//! Staying up under load: per-key rate limiting (`429` with `Retry-After`, off by
//! default), a time limit per request (`503`), and a cap on requests in flight beyond
//! which new ones are refused at once (`503`) rather than queued without bound. Every
//! refusal is the contract's JSON error body. Connections are capped in `connections.rs`.

use crate::config::HttpConfig;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The limits of one server, shared by its requests.
#[derive(Clone)]
pub struct Limits {
    per_key: Option<Arc<DefaultKeyedRateLimiter<String>>>,
    timeout: Duration,
    in_flight: Arc<Semaphore>,
}

impl Limits {
    pub fn new(args: &HttpConfig) -> Limits {
        let per_key = NonZeroU32::new(args.rate_limit_per_second).map(|rate| {
            let burst = NonZeroU32::new(args.rate_limit_burst).unwrap_or(rate);
            Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            ))
        });
        Limits {
            per_key,
            timeout: Duration::from_millis(args.request_timeout_ms.max(1)),
            in_flight: Arc::new(Semaphore::new(args.max_in_flight.max(1))),
        }
    }
}

/// The one route without a time limit (docs/TESTING.md).
const ADVANCE_PATH: &str = "/api/v1/sandbox/clock/advance";

/// Applies the limits around every request.
pub async fn enforce(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    let Ok(_permit) = limits.in_flight.clone().try_acquire_owned() else {
        return at_capacity().await;
    };
    if let Some(limiter) = &limits.per_key
        && let Some(key) = key_prefix(&request)
        && let Err(not_until) = limiter.check_key(&key)
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return too_many(wait);
    }
    // An advance of a test clock answers when everything due has run, however long.
    if request.uri().path() == ADVANCE_PATH {
        return next.run(request).await;
    }
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => unavailable("the request took too long: retry shortly"),
    }
}

/// Requests are counted per API key (its public prefix: the secret never becomes a map
/// key); requests without one are refused by authentication anyway.
fn key_prefix(request: &Request) -> Option<String> {
    let header = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let key = header.rsplit(' ').next()?.trim();
    key.starts_with(switchyard_service::auth::KEY_PREFIX)
        .then(|| {
            key.chars()
                .take(switchyard_service::auth::PREFIX_LEN)
                .collect()
        })
}

fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = ApiError::TooManyRequests(format!(
        "rate limit reached for this API key: retry in {secs} s"
    ))
    .into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
    response
}

/// The answer to a request over the in-flight cap, or on a connection over the
/// connection cap (`connections.rs`).
pub async fn at_capacity() -> Response {
    unavailable("the server is at capacity: retry shortly")
}

fn unavailable(message: &str) -> Response {
    let mut response = ApiError::Unavailable(message.to_owned()).into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(1u32));
    debug_assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    response
}
