//! Faults injected into the organization's webhook deliveries (docs/TESTING.md, how the
//! engine applies them in docs/ENGINE.md). Everyone reads them, Owners set and clear them.
//! A change applies to the events that happen from then on.

use super::require_sandbox;
use crate::auth::Caller;
use crate::validate::Errors;
use crate::{ServiceResult, Services};
use serde::{Deserialize, Serialize};
use switchyard_core::enums::Role;
use switchyard_core::webhook_faults::{MAX_DELAY_MS, WebhookFaults};

/// The organization's faults, by what they affect.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Faults {
    pub webhooks: WebhookFaults,
}

/// The faults to inject: they replace the organization's; a field left out is off.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultsIn {
    webhooks: Option<WebhookFaultsIn>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookFaultsIn {
    /// The share of deliveries sent twice under the same `webhook-id`, 0 to 1. Default 0.
    #[schema(minimum = 0, maximum = 1)]
    duplicate: Option<f64>,
    /// Milliseconds every delivery waits before its first attempt (on the organization's
    /// clock), 0 to 86,400,000. Default 0.
    #[schema(value_type = Option<u64>, minimum = 0, maximum = 86_400_000)]
    delay_ms: Option<i64>,
    /// Each call's `start` deliveries are sent after its `end` has been attempted.
    /// Default `false`.
    reorder: Option<bool>,
}

pub async fn get(services: &Services, caller: &Caller) -> ServiceResult<Faults> {
    require_sandbox(services)?;
    let webhooks = services
        .store
        .webhook_faults(caller.organization_id)
        .await?;
    Ok(Faults { webhooks })
}

/// Replaces the organization's faults. Owners only.
pub async fn set(services: &Services, caller: &Caller, body: FaultsIn) -> ServiceResult<Faults> {
    require_sandbox(services)?;
    caller.require(Role::Owner)?;
    let webhooks = webhook_faults(body.webhooks)?;
    let stored = (webhooks != WebhookFaults::default()).then_some(&webhooks);
    services
        .store
        .set_webhook_faults(caller.organization_id, stored)
        .await?;
    Ok(Faults { webhooks })
}

/// Clears the organization's faults. Owners only.
pub async fn clear(services: &Services, caller: &Caller) -> ServiceResult<Faults> {
    require_sandbox(services)?;
    caller.require(Role::Owner)?;
    services
        .store
        .set_webhook_faults(caller.organization_id, None)
        .await?;
    Ok(Faults {
        webhooks: WebhookFaults::default(),
    })
}

fn webhook_faults(body: Option<WebhookFaultsIn>) -> ServiceResult<WebhookFaults> {
    let Some(body) = body else {
        return Ok(WebhookFaults::default());
    };
    let mut errors = Errors::default();
    let duplicate = body.duplicate.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&duplicate) {
        errors.push(
            "webhooks.duplicate",
            format!("must be between 0 and 1, not {duplicate}"),
        );
    }
    let delay_ms = body.delay_ms.unwrap_or(0);
    let delay = u64::try_from(delay_ms)
        .ok()
        .filter(|ms| *ms <= MAX_DELAY_MS);
    if delay.is_none() {
        errors.push(
            "webhooks.delay_ms",
            format!("must be between 0 and {MAX_DELAY_MS}, not {delay_ms}"),
        );
    }
    errors.finish()?;
    Ok(WebhookFaults {
        duplicate,
        delay_ms: delay.unwrap_or(0),
        reorder: body.reorder.unwrap_or(false),
    })
}
