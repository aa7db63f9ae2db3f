//! What the engine produced for a call: its transcript, its logs and a signed link to its
//! recording. Everyone who can read the call can read these.

use crate::auth::Caller;
use crate::{ServiceError, ServiceResult, Services};
use switchyard_core::call::Call;
use switchyard_core::call_log::LogEntry;
use switchyard_core::store::StoreError;
use switchyard_core::transcript::Transcript;
use switchyard_core::{CallId, Timestamp};
use switchyard_engine::recording_key;

pub const DEFAULT_LINK_SECS: u64 = 3600;
pub const MAX_LINK_SECS: u64 = 7 * 24 * 3600;

/// What was said on a call; offsets are seconds from `start_time`, the answer.
pub async fn transcript(
    services: &Services,
    caller: &Caller,
    id: CallId,
) -> ServiceResult<Transcript> {
    let org = caller.organization_id;
    match services.store.get_transcript(org, id).await {
        Ok(transcript) => Ok(transcript),
        Err(StoreError::NotFound(_)) => {
            // Tell "no such call" from "no transcript yet".
            services.store.get_call(org, id).await?;
            Err(ServiceError::NotFound(
                "the call has no transcript yet: it has not been answered".to_owned(),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// The transcript, or `None` while the call has none (the review app's call page).
pub async fn transcript_if_any(
    services: &Services,
    caller: &Caller,
    id: CallId,
) -> ServiceResult<Option<Transcript>> {
    match services
        .store
        .get_transcript(caller.organization_id, id)
        .await
    {
        Ok(transcript) => Ok(Some(transcript)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// Every step of a call, oldest first.
pub async fn logs(
    services: &Services,
    caller: &Caller,
    id: CallId,
) -> ServiceResult<Vec<LogEntry>> {
    Ok(services.store.call_logs(caller.organization_id, id).await?)
}

/// The signed path of a call's recording (`/recordings/...?expires=..&signature=..`) and
/// when it expires: valid for `expires_in_secs` (text as a client sent it; default an
/// hour, at most 7 days). The adapter puts the server's address in front.
pub async fn recording_link(
    services: &Services,
    caller: &Caller,
    id: CallId,
    expires_in_secs: Option<&str>,
) -> ServiceResult<(String, Timestamp)> {
    let secs = match expires_in_secs {
        None => DEFAULT_LINK_SECS,
        Some(raw) => raw
            .trim()
            .parse()
            .ok()
            .filter(|s| (1..=MAX_LINK_SECS).contains(s))
            .ok_or_else(|| {
                ServiceError::invalid_field(
                    "expires_in_secs",
                    format!(
                        "`{raw}` is not a whole number of seconds from 1 to {MAX_LINK_SECS} (7 days)"
                    ),
                )
            })?,
    };
    let call = services.store.get_call(caller.organization_id, id).await?;
    signed_recording_path(services, &call, secs)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound(
                "the call has no recording: it has not been answered, or has not ended yet"
                    .to_owned(),
            )
        })
}

/// The signed path of the call's recording and when it expires, valid for `secs`; `None`
/// while it has none (the API's link and the review app's player).
pub async fn signed_recording_path(
    services: &Services,
    call: &Call,
    secs: u64,
) -> ServiceResult<Option<(String, Timestamp)>> {
    let (org, id) = (call.organization_id, call.id);
    let stored = services
        .blobs
        .exists(&recording_key(org, id))
        .await
        .map_err(ServiceError::internal)?;
    if call.metadata.recording_sid.is_none() || !stored {
        return Ok(None);
    }
    let expires_at = services.clock.now_for(org).plus_seconds(secs as i64);
    Ok(Some((
        services.recording_links.path(org, id, expires_at),
        expires_at,
    )))
}
