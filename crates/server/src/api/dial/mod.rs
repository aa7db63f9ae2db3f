//! Dial (contract §5): outbound, batched and scheduled campaigns. Calls are created
//! `Scheduled` or `Queued`; the engine takes them from there.

pub(crate) mod context;
pub(crate) mod idempotency;
pub(crate) mod item;
pub(crate) mod outbound;
mod schedule;
pub(crate) mod scheduled;

use crate::app::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

/// Most calls one request may create.
pub const MAX_CALLS_PER_REQUEST: usize = 10_000;

pub fn routes(batch_body_limit_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/dial/outbound", post(outbound::outbound))
        .route(
            "/dial/outbound-batched",
            post(outbound::batched).layer(DefaultBodyLimit::max(batch_body_limit_bytes)),
        )
        .route(
            "/dial/scheduled",
            post(scheduled::campaign).layer(DefaultBodyLimit::max(batch_body_limit_bytes)),
        )
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(outbound::outbound, outbound::batched, scheduled::campaign))]
pub struct Doc;
