//! What reviewers add to a call: "viewed by" marks and emoji ratings. Viewers may do both,
//! for themselves; only an Owner may mark or rate for another member of the organization.
//! A rating's time is the server's.

use super::query::CallQueryParams;
use crate::auth::Caller;
use crate::{ServiceError, ServiceResult, Services, validate};
use switchyard_core::CallId;
use switchyard_core::call::Rating;
use switchyard_core::call_json::CallJson;
use switchyard_core::enums::{Emoji, RatingOperation, Role};

/// Records `email` (default: the caller) in `viewed_by`, once.
pub async fn view(
    services: &Services,
    caller: &Caller,
    call_id: CallId,
    email: Option<&str>,
) -> ServiceResult<CallJson> {
    let email = reviewer_email(services, caller, call_id, email).await?;
    Ok(services
        .store
        .mark_viewed(
            caller.organization_id,
            call_id,
            &email,
            services.clock.now_for(caller.organization_id),
        )
        .await?)
}

/// The review queue: the oldest call under `params`' filters that the caller has not
/// viewed, or `None` when none is left. (Sort and paging parameters play no part.)
pub async fn next_unviewed(
    services: &Services,
    caller: &Caller,
    params: &CallQueryParams,
) -> ServiceResult<Option<CallId>> {
    let query = params.parse()?;
    Ok(services
        .store
        .next_unviewed(caller.organization_id, &query.filter, &caller.email)
        .await?)
}

/// One rating added or removed.
pub struct RatingChange {
    pub emoji: Emoji,
    pub operation: RatingOperation,
    /// Default: the caller.
    pub email: Option<String>,
}

/// Adds or removes a rating: one of each emoji per member; adding twice keeps one,
/// removing a missing one changes nothing.
pub async fn change_rating(
    services: &Services,
    caller: &Caller,
    call_id: CallId,
    change: RatingChange,
) -> ServiceResult<CallJson> {
    let email = reviewer_email(services, caller, call_id, change.email.as_deref()).await?;
    let org = caller.organization_id;
    let call = match change.operation {
        RatingOperation::Add => {
            let rating = Rating {
                emoji: change.emoji,
                email,
                created: services.clock.now_for(org),
            };
            services.store.add_rating(org, call_id, &rating).await
        }
        RatingOperation::Remove => {
            services
                .store
                .remove_rating(org, call_id, change.emoji, &email)
                .await
        }
    };
    Ok(call?)
}

/// Whom a view or rating is for: the caller, unless an Owner names another member. Another
/// organization's call is `NotFound` before the email is looked at.
async fn reviewer_email(
    services: &Services,
    caller: &Caller,
    call_id: CallId,
    given: Option<&str>,
) -> ServiceResult<String> {
    let Some(raw) = given else {
        return Ok(caller.email.clone());
    };
    let email = validate::email("email", raw).map_err(|e| ServiceError::invalid(vec![e]))?;
    if email == caller.email {
        return Ok(email);
    }
    services
        .store
        .get_call_json(caller.organization_id, call_id)
        .await?;
    caller.require(Role::Owner).map_err(|_| {
        ServiceError::Forbidden(format!(
            "only an Owner may act for another member: leave out `email`, or give your own ({})",
            caller.email
        ))
    })?;
    let members = services.store.list_members(caller.organization_id).await?;
    if members.iter().any(|member| member.email == email) {
        Ok(email)
    } else {
        Err(ServiceError::invalid_field(
            "email",
            format!("`{email}` is not a member of your organization"),
        ))
    }
}
