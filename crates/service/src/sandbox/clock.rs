//! Test clocks, per organization: read, freeze, advance (running everything that falls
//! due on the way), and return to real time. How the engine keeps time per organization
//! is in docs/ENGINE.md ("Test clocks").

use super::require_sandbox;
use crate::auth::Caller;
use crate::{ServiceError, ServiceResult, Services};
use serde::{Deserialize, Serialize};
use switchyard_core::Timestamp;
use switchyard_core::enums::Role;
use switchyard_engine::AdvanceReport;

/// The organization's time.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClockState {
    /// The organization's current time.
    pub now: Timestamp,
    /// `true` while the organization's clock is frozen (it moves only on `advance`).
    pub frozen: bool,
}

/// How far to move the clock: `seconds` or `to`, not both.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceRequest {
    /// Seconds to move forward (1 to 10 years' worth).
    pub seconds: Option<i64>,
    /// The instant to move to (RFC 3339), not earlier than the clock's time.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
}

/// The clock after an advance, and what ran on the way.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Advanced {
    pub now: Timestamp,
    pub frozen: bool,
    /// The instants at which something was due, each run in order.
    pub steps: u64,
    /// Scheduled calls queued, calls dialed, call steps taken, webhook attempts made.
    pub enqueued: u64,
    pub dispatched: u64,
    pub advanced: u64,
    pub webhook_attempts: u64,
    /// Expired exports deleted.
    pub exports_deleted: u64,
}

/// The furthest one `advance` may go: ten years.
const MAX_ADVANCE_SECS: i64 = 10 * 366 * 24 * 3600;

pub async fn get(services: &Services, caller: &Caller) -> ServiceResult<ClockState> {
    require_sandbox(services)?;
    Ok(state(services, caller))
}

/// Freezes the organization's clock at `now`, which may not be earlier than its time.
pub async fn freeze(services: &Services, caller: &Caller, now: &str) -> ServiceResult<ClockState> {
    require_sandbox(services)?;
    caller.require(Role::Owner)?;
    let at = not_before_now(services, caller, "now", now)?;
    services
        .engine
        .set_test_clock(caller.organization_id, Some(at))
        .await?;
    Ok(state(services, caller))
}

/// Moves the organization's clock forward (freezing it there), and answers once
/// everything due up to the new time has run.
pub async fn advance(
    services: &Services,
    caller: &Caller,
    request: &AdvanceRequest,
) -> ServiceResult<Advanced> {
    require_sandbox(services)?;
    caller.require(Role::Owner)?;
    let now = services.clock.now_for(caller.organization_id);
    let to = match (request.seconds, request.to.as_deref()) {
        (Some(seconds), None) if (1..=MAX_ADVANCE_SECS).contains(&seconds) => {
            now.plus_seconds(seconds)
        }
        (Some(_), None) => {
            return Err(invalid(
                "seconds",
                format!("must be between 1 and {MAX_ADVANCE_SECS} (ten years)"),
            ));
        }
        (None, Some(to)) => {
            let to = not_before_now(services, caller, "to", to)?;
            if to.millis() - now.millis() > MAX_ADVANCE_SECS * 1000 {
                return Err(invalid("to", "is more than ten years ahead".to_owned()));
            }
            to
        }
        _ => {
            return Err(invalid(
                "seconds",
                "give either `seconds` or `to`, not both and not neither".to_owned(),
            ));
        }
    };
    let report = services
        .engine
        .advance_test_clock(caller.organization_id, to)
        .await?;
    let exports_deleted = services
        .exports
        .sweep_organization(caller.organization_id)
        .await?;
    Ok(advanced(services, caller, report, exports_deleted))
}

/// Returns the organization to real time.
pub async fn thaw(services: &Services, caller: &Caller) -> ServiceResult<ClockState> {
    require_sandbox(services)?;
    caller.require(Role::Owner)?;
    services
        .engine
        .set_test_clock(caller.organization_id, None)
        .await?;
    Ok(state(services, caller))
}

fn state(services: &Services, caller: &Caller) -> ClockState {
    let org = caller.organization_id;
    ClockState {
        now: services.clock.now_for(org),
        frozen: services.clock.frozen_at(org).is_some(),
    }
}

fn advanced(
    services: &Services,
    caller: &Caller,
    report: AdvanceReport,
    exports_deleted: usize,
) -> Advanced {
    let ClockState { now, frozen } = state(services, caller);
    Advanced {
        now,
        frozen,
        steps: report.steps,
        enqueued: report.pass.enqueued as u64,
        dispatched: report.pass.dispatched as u64,
        advanced: report.pass.advanced as u64,
        webhook_attempts: report.pass.webhook_attempts as u64,
        exports_deleted: exports_deleted as u64,
    }
}

/// An RFC 3339 instant no earlier than the organization's time: clocks only move forward,
/// so that ids and `created` stay in order.
fn not_before_now(
    services: &Services,
    caller: &Caller,
    field: &str,
    raw: &str,
) -> ServiceResult<Timestamp> {
    let at = Timestamp::parse(raw).map_err(|error| invalid(field, error.to_string()))?;
    let now = services.clock.now_for(caller.organization_id);
    if at < now {
        return Err(invalid(
            field,
            format!("is earlier than the organization's time ({now}): clocks only move forward"),
        ));
    }
    Ok(at)
}

fn invalid(field: &str, message: String) -> ServiceError {
    ServiceError::invalid_field(field, message)
}
