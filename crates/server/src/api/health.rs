use crate::app::AppState;
use crate::error::ErrorBody;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz))]
pub struct Doc;

/// 200 when the database answers, 503 when it does not.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "Health",
    security(()),
    responses(
        (status = 200, description = "The database answers", body = String, content_type = "text/plain", example = "ok"),
        (status = 503, description = "The database does not answer (`text/plain`); or, as the JSON error body with `Retry-After`, the server is at capacity or the check took longer than the request time limit",
            content(
                (String = "text/plain", example = json!("database unavailable")),
                (ErrorBody = "application/json"),
            ),
            headers(
                ("Retry-After" = u32, description = "With the JSON answer: seconds to wait before trying again"),
            ),
        ),
    )
)]
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::warn!(%error, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
