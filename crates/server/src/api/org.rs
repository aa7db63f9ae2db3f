//! The caller's organization and its members (the rules are the service's, `org`).

use crate::api::auth::Authenticated;
use crate::api::openapi::{Forbidden, Unprocessable};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use switchyard_service::org::{
    self, MemberIn, MemberRef, OrganizationOut, OrganizationPatch, WebhookSecret,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(fetch, update))
        .routes(routes!(webhook_secret))
        .routes(routes!(upsert_member, remove_member))
}

/// The caller's organization and its members.
#[utoipa::path(
    get,
    path = "/org",
    operation_id = "get_organization",
    tag = "Organization",
    responses(
        (status = 200, description = "The organization", body = OrganizationOut),
    )
)]
async fn fetch(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<OrganizationOut>> {
    Ok(Json(org::get(&state.services, &caller).await?))
}

/// (extension) The secret that signs the organization's webhooks.
///
/// The `webhook-signature` header is made with it, so that receivers can verify deliveries
/// (Standard Webhooks, `whsec_...`). Owners only.
#[utoipa::path(
    get,
    path = "/org/webhook-secret",
    operation_id = "get_webhook_secret",
    tag = "Organization",
    responses(
        (status = 200, description = "The secret", body = WebhookSecret),
        (status = 403, response = Forbidden),
    )
)]
async fn webhook_secret(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult<Json<WebhookSecret>> {
    Ok(Json(org::webhook_secret(&state.services, &caller).await?))
}

/// Adds a member, or changes a member's role.
///
/// A change that would leave no Owner is a `409`. Owners only.
#[utoipa::path(
    patch,
    path = "/member",
    operation_id = "upsert_member",
    tag = "Organization",
    request_body = MemberIn,
    responses(
        (status = 200, description = "The organization", body = OrganizationOut),
        (status = 403, response = Forbidden),
        (status = 409, description = "The organization would have no Owner left", body = ErrorBody),
        (status = 422, response = Unprocessable),
    )
)]
async fn upsert_member(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<MemberIn>,
) -> ApiResult<Json<OrganizationOut>> {
    Ok(Json(
        org::upsert_member(&state.services, &caller, body).await?,
    ))
}

/// Removes a member.
///
/// The member's keys stop working. Removing the last Owner is a `409`. Owners only.
#[utoipa::path(
    delete,
    path = "/member",
    operation_id = "remove_member",
    tag = "Organization",
    request_body = MemberRef,
    responses(
        (status = 200, description = "The organization", body = OrganizationOut),
        (status = 403, response = Forbidden),
        (status = 404, description = "No member with this email", body = ErrorBody),
        (status = 409, description = "The organization would have no Owner left", body = ErrorBody),
        (status = 422, response = Unprocessable),
    )
)]
async fn remove_member(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(body): ApiJson<MemberRef>,
) -> ApiResult<Json<OrganizationOut>> {
    Ok(Json(
        org::remove_member(&state.services, &caller, body).await?,
    ))
}

/// (extension) Changes the organization's settings.
///
/// Owners only.
#[utoipa::path(
    patch,
    path = "/org",
    operation_id = "update_organization",
    tag = "Organization",
    request_body = OrganizationPatch,
    responses(
        (status = 200, description = "The organization", body = OrganizationOut),
        (status = 403, response = Forbidden),
        (status = 422, description = "`timezone` is not an IANA time zone", body = ErrorBody),
    )
)]
async fn update(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    ApiJson(patch): ApiJson<OrganizationPatch>,
) -> ApiResult<Json<OrganizationOut>> {
    Ok(Json(org::update(&state.services, &caller, patch).await?))
}
