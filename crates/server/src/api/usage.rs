//! `GET /usage` (the periods and their arithmetic are the service's, `usage`).

use crate::api::auth::Authenticated;
use crate::api::openapi::Unprocessable;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_service::usage::{self, UsageQuery, UsageRows};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_usage))
}

/// Calls and their duration per period, or per use case.
#[utoipa::path(
    get,
    path = "/usage",
    operation_id = "usage",
    tag = "Usage",
    params(UsageQuery),
    responses(
        (status = 200, description = "The rows", body = UsageRows),
        (status = 422, response = Unprocessable),
    )
)]
async fn get_usage(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> ApiResult<Json<UsageRows>> {
    Ok(Json(usage::usage(&state.services, &caller, &query).await?))
}
