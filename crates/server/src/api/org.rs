//! The caller's organization and its members (contract §6). Everyone reads; Owners manage
//! members. The store refuses (`409`) any change that would leave the organization without
//! an Owner.

use crate::api::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::api::validate::{self, Errors};
use crate::app::AppState;
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::extract::ApiJson;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, patch};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchyard_core::OrgId;
use switchyard_core::enums::Role;
use switchyard_core::org::Member;
use switchyard_core::store::StoreError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/org", get(fetch).patch(update))
        .route("/org/webhook-secret", get(webhook_secret))
        .route("/member", patch(upsert_member).delete(remove_member))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(fetch, update, webhook_secret, upsert_member, remove_member))]
pub struct Doc;

/// The Organization object. Not the stored struct: `api_key` is per caller, and the default
/// agent and creation time are not part of the contract's shape.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Organization)]
struct OrganizationOut {
    id: OrgId,
    name: String,
    #[schema(required = true)]
    description: Option<String>,
    /// The caller's own key, masked (`sy_3f9a1c2b7e…wXyZ`): the secret is never shown
    /// after creation.
    api_key: String,
    #[schema(required = true)]
    image_url: Option<String>,
    members: Vec<Member>,
    /// Free-form attributes of the organization.
    attributes: Value,
    /// (extension) The IANA time zone usage periods are reported in.
    timezone: String,
}

/// (extension) The organization's settings. Only `timezone` so far; absent keys are left as
/// they are.
#[derive(Deserialize, utoipa::ToSchema)]
struct OrganizationPatch {
    /// An IANA time zone name such as `America/Chicago`.
    timezone: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MemberIn {
    #[schema(value_type = String, required = true, format = Email)]
    email: Option<String>,
    /// Read as a string so that a bad role and a bad email are reported together.
    #[schema(value_type = Role, required = true)]
    role: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MemberRef {
    #[schema(value_type = String, required = true, format = Email)]
    email: Option<String>,
}

/// The caller's organization and its members.
#[utoipa::path(
    get,
    path = "/org",
    operation_id = "get_organization",
    tag = "Organization",
    responses(
        (status = 200, description = "The organization", body = OrganizationOut),
        (status = 401, response = Unauthorized),
    )
)]
async fn fetch(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<OrganizationOut>> {
    organization(&state, &caller).await.map(Json)
}

#[derive(Serialize, utoipa::ToSchema)]
struct WebhookSecret {
    /// `whsec_` and base64.
    secret: String,
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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
async fn webhook_secret(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<WebhookSecret>> {
    caller.require(Role::Owner)?;
    let generate = switchyard_engine::webhooks::sign::generate_secret;
    let secret = state
        .store
        .webhook_secret(caller.organization_id, &generate)
        .await?;
    Ok(Json(WebhookSecret { secret }))
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, description = "The organization would have no Owner left", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
async fn upsert_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<MemberIn>,
) -> ApiResult<Json<OrganizationOut>> {
    caller.require(Role::Owner)?;
    let mut errors = Errors::default();
    let email = errors.check(email(body.email.as_deref()));
    let role = match body.role.as_deref() {
        Some(raw) => errors.check(
            raw.parse::<Role>()
                .map_err(|e| FieldError::new("role", e.to_string())),
        ),
        None => {
            errors.push("role", "is required: one of Owner, Representative, Viewer");
            None
        }
    };
    errors.finish()?;
    let member = Member {
        email: email.unwrap_or_default(),
        role: role.unwrap_or(Role::Viewer),
    };
    state
        .store
        .upsert_member(caller.organization_id, &member)
        .await?;
    // The member's keys now stand for another role.
    state.keys.forget_all();
    organization(&state, &caller).await.map(Json)
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No member with this email", body = ErrorBody),
        (status = 409, description = "The organization would have no Owner left", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<MemberRef>,
) -> ApiResult<Json<OrganizationOut>> {
    caller.require(Role::Owner)?;
    let email = email(body.email.as_deref()).map_err(|e| ApiError::invalid(vec![e]))?;
    state
        .store
        .remove_member(caller.organization_id, &email)
        .await
        .map_err(|error| match error {
            StoreError::NotFound(_) => {
                ApiError::NotFound(format!("{email} is not a member of your organization"))
            }
            other => other.into(),
        })?;
    // The member's keys no longer work.
    state.keys.forget_all();
    organization(&state, &caller).await.map(Json)
}

fn email(raw: Option<&str>) -> Result<String, FieldError> {
    match raw {
        Some(raw) => validate::email("email", raw),
        None => Err(FieldError::new("email", "is required")),
    }
}

async fn organization(state: &AppState, caller: &Caller) -> ApiResult<OrganizationOut> {
    let org = state.store.get_organization(caller.organization_id).await?;
    let members = state.store.list_members(caller.organization_id).await?;
    Ok(OrganizationOut {
        id: org.id,
        name: org.name,
        description: org.description,
        api_key: auth::masked(&caller.key_prefix, &caller.key_last4),
        image_url: org.image_url,
        members,
        attributes: org.attributes,
        timezone: org.timezone,
    })
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "`timezone` is not an IANA time zone", body = ErrorBody),
    )
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(patch): ApiJson<OrganizationPatch>,
) -> ApiResult<Json<OrganizationOut>> {
    caller.require(Role::Owner)?;
    if let Some(raw) = &patch.timezone {
        let timezone =
            validate::timezone("timezone", raw).map_err(|e| ApiError::invalid(vec![e]))?;
        state
            .store
            .set_organization_timezone(caller.organization_id, timezone.name())
            .await?;
    }
    organization(&state, &caller).await.map(Json)
}
