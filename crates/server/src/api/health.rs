//! `GET /healthz`: whether the server and its database answer.

use crate::error::ErrorBody;
use crate::json_errors::PlainText;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz))
}

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
async fn healthz(State(state): State<AppState>) -> Response {
    match state.services.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check: database unavailable");
            let answer = (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
            (Extension(PlainText), answer).into_response()
        }
    }
}
