//! `POST /sandbox/reset`: the caller's organization emptied for the next CI run. The
//! database part is one transaction (`SandboxResetStore`); the blobs of what it deleted
//! go after the commit, so that a failure leaves an orphan file, never a row without its
//! file.
//!
//! Live calls are deleted too. The engine's next write to one (a step, its end, a log
//! line) finds no call: `advance_runs` drops the `NotFound`, the claim batches skip the
//! missing row, and a dial being placed is hung up. A recording written just before such
//! an end, or the CSV of an export being built, is left behind as an orphan file, as
//! when a call is deleted.

use super::require_sandbox;
use crate::auth::Caller;
use crate::orgs::default_agent;
use crate::{ServiceResult, Services};
use serde::{Deserialize, Serialize};
use switchyard_core::enums::Role;
use switchyard_core::export::export_blob_key;
use switchyard_engine::blob::BlobError;
use switchyard_engine::recording_key;

/// `{"config": true}` deletes the configuration too; an empty body or `{}` does not.
#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// Also delete the use cases, prompts, agents (a new default agent is made) and numbers.
    #[serde(default)]
    pub config: bool,
}

/// How many of each were deleted (the configuration's counts are 0 unless asked for).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResetReport {
    /// With their notes, ratings, views, tags, transcripts, logs and idempotency records.
    pub calls: u64,
    pub campaigns: u64,
    /// Rows and their CSV files.
    pub exports: u64,
    /// Recording files of the deleted calls.
    pub recordings: u64,
    /// Webhook deliveries, delivered or not (pending ones are never sent).
    pub webhook_deliveries: u64,
    /// The simulated far end's scenarios.
    pub scenarios: u64,
    pub use_cases: u64,
    pub prompts: u64,
    pub agents: u64,
    pub numbers: u64,
}

/// Empties the caller's organization; members, keys, the webhook secret and the
/// organization itself stay. Owners only.
pub async fn reset(
    services: &Services,
    caller: &Caller,
    request: &ResetRequest,
) -> ServiceResult<ResetReport> {
    require_sandbox(services)?;
    caller.require(Role::Owner)?;
    let org = caller.organization_id;
    let agent = request
        .config
        .then(|| default_agent(org, services.clock.now_for(org)));
    let reset = services
        .store
        .reset_organization(org, agent.as_ref())
        .await?;
    let mut recordings = 0;
    for call in &reset.calls {
        match delete_blob(services, &recording_key(org, *call)).await {
            Ok(existed) => recordings += u64::from(existed),
            Err(error) => {
                tracing::warn!(%error, call_id = %call, "could not delete a reset call's recording");
            }
        }
    }
    for export in &reset.exports {
        if let Err(error) = delete_blob(services, &export_blob_key(org, *export)).await {
            tracing::warn!(%error, export_id = %export, "could not delete a reset export's file");
        }
    }
    Ok(ResetReport {
        calls: reset.calls.len() as u64,
        campaigns: reset.campaigns,
        exports: reset.exports.len() as u64,
        recordings,
        webhook_deliveries: reset.webhook_deliveries,
        scenarios: reset.scenarios,
        use_cases: reset.use_cases,
        prompts: reset.prompts,
        agents: reset.agents,
        numbers: reset.numbers,
    })
}

/// Whether there was a blob to delete.
async fn delete_blob(services: &Services, key: &str) -> Result<bool, BlobError> {
    let existed = services.blobs.exists(key).await?;
    services.blobs.delete(key).await?;
    Ok(existed)
}
