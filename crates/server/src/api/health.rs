use crate::app::AppState;
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
        (status = 503, description = "The database does not answer", body = String, content_type = "text/plain", example = "database unavailable"),
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
