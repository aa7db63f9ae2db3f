//! `/sandbox/reset`: the organization emptied for the next CI run (rules in the service's
//! `sandbox::reset`).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, SandboxOff, Unprocessable};
use crate::error::ApiResult;
use crate::extract::OptionalJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_service::sandbox::reset::{self, ResetReport, ResetRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reset_organization))
}

/// (sandbox) Deletes the organization's calls, campaigns, exports, recordings and webhook
/// deliveries; with `{"config": true}` also its use cases, prompts, agents and numbers.
///
/// Calls go with their notes, ratings, views, tags, transcripts, logs and idempotency
/// records, live calls included. With `config`, a new default agent replaces the deleted
/// ones. Members, API keys, the webhook secret and the organization itself stay. The body
/// is optional (none, or `{}`, keeps the configuration). Owners only.
#[utoipa::path(
    post,
    path = "/sandbox/reset",
    tag = "Sandbox",
    request_body(content = Option<ResetRequest>, description = "Optional: no body keeps the configuration"),
    responses(
        (status = 200, description = "How many of each were deleted", body = ResetReport),
        (status = 403, response = Forbidden),
        (status = 404, response = SandboxOff),
        (status = 422, response = Unprocessable),
    )
)]
async fn reset_organization(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    OptionalJson(body): OptionalJson<ResetRequest>,
) -> ApiResult<Json<ResetReport>> {
    Ok(Json(reset::reset(&state.services, &caller, &body).await?))
}
