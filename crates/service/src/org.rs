//! The caller's organization and its members. Everyone reads; Owners manage members, the
//! settings and the webhook secret. The store refuses any change that would leave the
//! organization without an Owner.

use crate::auth::{self, Caller};
use crate::validate::{self, Errors};
use crate::{FieldError, ServiceError, ServiceResult, Services};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchyard_core::enums::Role;
use switchyard_core::org::Member;
use switchyard_core::store::StoreError;
use switchyard_core::{Entity, OrgId};

/// The Organization object. Not the stored struct: `api_key` is per caller, and the default
/// agent and creation time are not part of the contract's shape.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Organization)]
pub struct OrganizationOut {
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

impl OrganizationOut {
    /// Members in the order they joined.
    pub fn members(&self) -> &[Member] {
        &self.members
    }
}

/// (extension) The organization's settings. Only `timezone` so far; absent keys are left as
/// they are.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct OrganizationPatch {
    /// An IANA time zone name such as `America/Chicago`.
    timezone: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MemberIn {
    #[schema(value_type = String, required = true, format = Email)]
    email: Option<String>,
    /// Read as a string so that a bad role and a bad email are reported together.
    #[schema(value_type = Role, required = true)]
    role: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MemberRef {
    #[schema(value_type = String, required = true, format = Email)]
    email: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookSecret {
    /// `whsec_` and base64.
    pub secret: String,
}

/// The secret that signs the organization's webhooks (Standard Webhooks, `whsec_...`).
/// Owners only.
pub async fn webhook_secret(services: &Services, caller: &Caller) -> ServiceResult<WebhookSecret> {
    caller.require(Role::Owner)?;
    let generate = switchyard_engine::webhooks::sign::generate_secret;
    let secret = services
        .store
        .webhook_secret(caller.organization_id, &generate)
        .await?;
    Ok(WebhookSecret { secret })
}

/// Replaces the signing secret with a new one: webhooks (and tool calls) signed from now on
/// use it; receivers need it before then. Owners only.
pub async fn rotate_webhook_secret(
    services: &Services,
    caller: &Caller,
) -> ServiceResult<WebhookSecret> {
    caller.require(Role::Owner)?;
    let secret = switchyard_engine::webhooks::sign::generate_secret();
    services
        .store
        .rotate_webhook_secret(caller.organization_id, &secret)
        .await?;
    Ok(WebhookSecret { secret })
}

/// Adds a member, or changes a member's role. Owners only.
pub async fn upsert_member(
    services: &Services,
    caller: &Caller,
    body: MemberIn,
) -> ServiceResult<OrganizationOut> {
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
    services
        .store
        .upsert_member(caller.organization_id, &member)
        .await?;
    // The member's keys now stand for another role.
    services.keys.forget_all();
    get(services, caller).await
}

/// Removes a member; their keys stop working. Owners only.
pub async fn remove_member(
    services: &Services,
    caller: &Caller,
    body: MemberRef,
) -> ServiceResult<OrganizationOut> {
    caller.require(Role::Owner)?;
    let email = email(body.email.as_deref()).map_err(|e| ServiceError::invalid(vec![e]))?;
    services
        .store
        .remove_member(caller.organization_id, &email)
        .await
        .map_err(|error| match error {
            StoreError::NotFound(Entity::Member) => {
                ServiceError::NotFound(format!("{email} is not a member of your organization"))
            }
            other => other.into(),
        })?;
    // The member's keys no longer work.
    services.keys.forget_all();
    get(services, caller).await
}

/// Changes the organization's settings (only `timezone` so far). Owners only.
pub async fn update(
    services: &Services,
    caller: &Caller,
    patch: OrganizationPatch,
) -> ServiceResult<OrganizationOut> {
    caller.require(Role::Owner)?;
    if let Some(raw) = &patch.timezone {
        let timezone =
            validate::timezone("timezone", raw).map_err(|e| ServiceError::invalid(vec![e]))?;
        services
            .store
            .set_organization_timezone(caller.organization_id, timezone.name())
            .await?;
    }
    get(services, caller).await
}

fn email(raw: Option<&str>) -> Result<String, FieldError> {
    match raw {
        Some(raw) => validate::email("email", raw),
        None => Err(FieldError::new("email", "is required")),
    }
}

/// The caller's organization and its members.
pub async fn get(services: &Services, caller: &Caller) -> ServiceResult<OrganizationOut> {
    let org = services
        .store
        .get_organization(caller.organization_id)
        .await?;
    let members = services.store.list_members(caller.organization_id).await?;
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
