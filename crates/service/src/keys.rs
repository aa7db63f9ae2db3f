//! The organization's API keys, for the console: listed (masked), made for a member with a
//! role (the secret is in the answer, once), revoked. Owners only: a key is a member's
//! whole access, as `switchyard key create|revoke` is the operator's.

use crate::auth::{Caller, NewApiKey};
use crate::validate::{self, Errors};
use crate::{FieldError, ServiceError, ServiceResult, Services, orgs};
use switchyard_core::auth::KeyListing;
use switchyard_core::enums::Role;

/// A key to make: for `email` (a member already, or one from now on) with `role`, which
/// becomes the member's role, as with `switchyard key create`.
pub struct KeyIn {
    pub email: Option<String>,
    /// Read as a string so that a bad role and a bad email are reported together.
    pub role: Option<String>,
}

/// Every key of the organization, revoked ones too, newest first.
pub async fn list(services: &Services, caller: &Caller) -> ServiceResult<Vec<KeyListing>> {
    caller.require(Role::Owner)?;
    Ok(services.store.list_api_keys(caller.organization_id).await?)
}

/// A new key; its secret is in the answer and nowhere else (only its hash is stored).
/// `Conflict` when the role would leave the organization without an Owner.
pub async fn create(services: &Services, caller: &Caller, body: KeyIn) -> ServiceResult<NewApiKey> {
    caller.require(Role::Owner)?;
    let mut errors = Errors::default();
    let email = errors.check(match body.email.as_deref() {
        Some(raw) => validate::email("email", raw),
        None => Err(FieldError::new("email", "is required")),
    });
    let role = errors.check(match body.role.as_deref() {
        Some(raw) => raw
            .parse::<Role>()
            .map_err(|e| FieldError::new("role", e.to_string())),
        None => Err(FieldError::new(
            "role",
            "is required: one of Owner, Representative, Viewer",
        )),
    });
    errors.finish()?;
    let (email, role) = (email.unwrap_or_default(), role.unwrap_or(Role::Viewer));
    let key = orgs::create_key(
        services.store.as_ref(),
        caller.organization_id,
        &email,
        role,
        services.clock.now(),
    )
    .await?;
    // The member's other keys now stand for the new role.
    services.keys.forget_all();
    Ok(key)
}

/// Revokes the organization's key with this prefix, at once: the key cache forgets every
/// key, and the key's review-app sessions end with it. Another organization's prefix, an
/// unknown one and a key revoked already are all `NotFound`.
pub async fn revoke(services: &Services, caller: &Caller, prefix: &str) -> ServiceResult<()> {
    caller.require(Role::Owner)?;
    let revoked = services
        .store
        .revoke_org_api_key(caller.organization_id, prefix, services.clock.now())
        .await?;
    if !revoked {
        return Err(ServiceError::not_found("API key"));
    }
    // The cache is keyed by the key's hash, which the prefix does not give.
    services.keys.forget_all();
    Ok(())
}
