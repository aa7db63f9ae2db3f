//! Creating organizations and keys: shared by the CLI, the demo and the tests.

use crate::ServiceError;
use crate::auth::{NewApiKey, generate_api_key};
use crate::validate;
use switchyard_core::agent::Agent;
use switchyard_core::enums::{AgentLanguage, Role};
use switchyard_core::org::{Member, Organization};
use switchyard_core::store::Store;
use switchyard_core::time::Timestamp;
use switchyard_core::{Id, OrgId};

pub const DEFAULT_AGENT_NAME: &str = "Default agent";

/// A new organization and its Owner's API key, as `switchyard org create --json` prints
/// it and `POST /sandbox/orgs` answers it.
// A struct, not `json!`, so that the keys come out in this order.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreatedOrganization {
    pub organization_id: OrgId,
    /// The Owner's API key, shown this once.
    pub api_key: String,
}

/// Creates an organization with its default agent and an Owner; returns it and the
/// Owner's API key (shown once).
pub async fn create_organization(
    store: &dyn Store,
    name: &str,
    owner_email: &str,
    now: Timestamp,
) -> Result<(Organization, NewApiKey), ServiceError> {
    let mut errors = validate::Errors::default();
    let name = errors.check(validate::text("name", name, 2, 30));
    let email = errors.check(validate::email("owner", owner_email));
    errors.finish()?;
    let (name, email) = (name.unwrap_or_default(), email.unwrap_or_default());

    let org_id = Id::new(now);
    let agent = default_agent(org_id, now);
    let org = Organization {
        id: org_id,
        name,
        description: None,
        image_url: None,
        attributes: serde_json::json!({}),
        default_agent_id: agent.id,
        timezone: switchyard_core::org::DEFAULT_TIMEZONE.to_owned(),
        created_at: now,
    };
    let owner = Member {
        email: email.clone(),
        role: Role::Owner,
    };
    let key = generate_api_key(org_id, &email, now);
    store
        .create_organization(&org, &agent, &owner, &key.record)
        .await?;
    Ok((org, key))
}

/// The agent every organization starts with.
pub(crate) fn default_agent(org: OrgId, now: Timestamp) -> Agent {
    Agent {
        id: Id::new(now),
        organization_id: org,
        name: DEFAULT_AGENT_NAME.to_owned(),
        languages: vec![AgentLanguage::English],
        voice_id: None,
        created_at: now,
    }
}

/// Issues a key for `email`, making it a member with `role` (or changing its role).
pub async fn create_key(
    store: &dyn Store,
    org: OrgId,
    email: &str,
    role: Role,
    now: Timestamp,
) -> Result<NewApiKey, ServiceError> {
    let email = validate::email("email", email).map_err(|e| ServiceError::invalid(vec![e]))?;
    store
        .get_organization(org)
        .await
        .map_err(|_| ServiceError::not_found("organization"))?;
    let key = generate_api_key(org, &email, now);
    store.create_api_key(&key.record, role).await?;
    Ok(key)
}
