//! Organizations on demand (`POST /sandbox/orgs`): each CI job creates its own, so that
//! jobs running side by side never see each other's calls. The credential is the server's
//! admin token, which is no API key and belongs to no organization.

use crate::orgs::{CreatedOrganization, create_organization};
use crate::{ServiceError, ServiceResult, Services};
use serde::Deserialize;

/// The new organization: the same rules as `switchyard org create`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    /// 2 to 30 characters. Names need not be unique: each request makes a new organization.
    pub name: String,
    /// The email of its first member, an Owner, whose API key the answer holds.
    #[schema(format = Email)]
    pub owner: String,
}

/// Proof that a request presented the admin token: only [`admit`] makes one.
pub struct Admin(());

/// The caller of `POST /sandbox/orgs`, from the bearer token it presented: `NotFound`
/// without `--sandbox` and `--admin-token` (the route does not exist), `Unauthenticated`
/// unless it is the admin token.
pub fn admit(services: &Services, presented: Option<&str>) -> ServiceResult<Admin> {
    if !services.sandbox.has_admin_token() {
        return Err(ServiceError::NotFound(
            "no such endpoint: organizations are created over HTTP only on a server started \
             with --sandbox and --admin-token"
                .to_owned(),
        ));
    }
    match presented {
        Some(token) if services.sandbox.is_admin_token(token) => Ok(Admin(())),
        Some(_) => Err(ServiceError::Unauthenticated(
            "invalid admin token".to_owned(),
        )),
        None => Err(ServiceError::Unauthenticated(
            "missing admin token: send the header `authorization: Bearer <admin token>`".to_owned(),
        )),
    }
}

/// Creates the organization with its default agent and its Owner, and answers the Owner's
/// key, exactly as `switchyard org create --json` prints it.
pub async fn create(
    services: &Services,
    _admin: &Admin,
    request: &NewOrganization,
) -> ServiceResult<CreatedOrganization> {
    let (org, key) = create_organization(
        services.store.as_ref(),
        &request.name,
        &request.owner,
        services.clock.now(),
    )
    .await?;
    Ok(CreatedOrganization {
        organization_id: org.id,
        api_key: key.secret,
    })
}
