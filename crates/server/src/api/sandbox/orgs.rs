//! `/sandbox/orgs`: organizations on demand, with the admin token (rules in the service's
//! `sandbox::orgs`).

use crate::api::openapi::{AdminOff, BadAdminToken, Unprocessable};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use switchyard_service::orgs::CreatedOrganization;
use switchyard_service::sandbox::orgs::{self, Admin, NewOrganization};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_organization))
}

/// The request presented the admin token. Not `Authenticated`: the admin token is no API
/// key, and must not be looked up as one. Checked before the body is read, so that a
/// stranger learns nothing from how the body is judged.
struct AdminToken(Admin);

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts.headers.get(AUTHORIZATION).map(|value| {
            // Not text, or not a bearer token: presented, and not the admin token.
            value.to_str().ok().and_then(bearer).unwrap_or_default()
        });
        Ok(AdminToken(orgs::admit(&state.services, presented)?))
    }
}

fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// (sandbox) Creates an organization and answers its Owner's API key.
///
/// Authenticated with the server's admin token (`--admin-token`), not an API key:
/// `authorization: Bearer <admin token>`. The organization gets its default agent and one
/// member, `owner`, an Owner; the answer is what `switchyard org create --json` prints.
/// Names need not be unique: each request makes a new organization, so CI jobs running
/// side by side may each create their own under the same name.
#[utoipa::path(
    post,
    path = "/sandbox/orgs",
    tag = "Sandbox",
    request_body = NewOrganization,
    responses(
        (status = 200, description = "The organization and its Owner's API key (shown once)", body = CreatedOrganization),
        (status = 401, response = BadAdminToken),
        (status = 404, response = AdminOff),
        (status = 422, response = Unprocessable),
    )
)]
async fn create_organization(
    State(state): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(body): ApiJson<NewOrganization>,
) -> ApiResult<Json<CreatedOrganization>> {
    Ok(Json(orgs::create(&state.services, &admin, &body).await?))
}
