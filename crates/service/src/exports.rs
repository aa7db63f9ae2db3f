//! CSV exports: asking for one (the engine's export worker builds and mails it), how it
//! went, and its file.

use crate::auth::Caller;
use crate::calls::query::CallQueryParams;
use crate::{FieldError, ServiceError, ServiceResult, Services, validate};
use serde::Serialize;
use serde_json::{Map, Value};
use switchyard_core::ExportId;
use switchyard_core::enums::Role;
use switchyard_core::export::{Export, ExportStatus};
use switchyard_core::time::Timestamp;
use switchyard_engine::blob::BlobReader;
use utoipa::ToSchema;

/// The export is queued.
#[derive(Serialize, ToSchema)]
pub struct ExportAccepted {
    /// Where the CSV will be mailed, and where to follow the export.
    pub message: String,
    /// For `GET /exports/{id}`.
    pub export_id: ExportId,
}

/// Queues a CSV of the calls that match the filters in `body` (those of `GET /calls`, each
/// a string or an array of strings; every key optional), mailed to `email` or the caller.
/// Representatives and Owners: an export sends the organization's calls to any mailbox.
pub async fn request(
    services: &Services,
    caller: &Caller,
    body: &Map<String, Value>,
) -> ServiceResult<ExportAccepted> {
    caller.require(Role::Representative)?;
    let mut errors = Vec::new();
    let email = match body.get("email") {
        None | Some(Value::Null) => Some(caller.email.clone()),
        Some(Value::String(raw)) => validate::email("email", raw)
            .map_err(|e| errors.push(e))
            .ok(),
        Some(_) => {
            errors.push(FieldError::new("email", "must be a string"));
            None
        }
    };
    let (params, misfits) = CallQueryParams::from_json(body);
    errors.extend(misfits);
    let query = match params.parse() {
        Ok(query) => Some(query),
        Err(ServiceError::Invalid { errors: bad, .. }) => {
            errors.extend(bad);
            None
        }
        Err(other) => return Err(other),
    };
    let (Some(email), Some(query), true) = (email, query, errors.is_empty()) else {
        return Err(ServiceError::invalid(errors));
    };
    let now = services.clock.now_for(caller.organization_id);
    let export = Export::new(
        ExportId::new(now),
        caller.organization_id,
        query.filter,
        query.sort,
        email,
        caller.email.clone(),
        now,
    );
    // Exports are built on the world's time, whatever the organization's test clock
    // says (docs/ENGINE.md, "Test clocks"): due at once.
    let export = Export {
        next_attempt_at: services.clock.now(),
        ..export
    };
    services.store.insert_export(&export).await?;
    services.exports.wake();
    Ok(ExportAccepted {
        message: format!(
            "the export is being prepared; it will be mailed to {} when ready (GET /api/v1/exports/{} tells its progress)",
            export.email, export.id
        ),
        export_id: export.id,
    })
}

/// An export: how far it is, and what came of it.
#[derive(Serialize, ToSchema)]
#[schema(as = Export)]
pub struct ExportOut {
    id: ExportId,
    status: ExportStatus,
    /// Why it `failed`; while it waits to be retried after an error, that error.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    reason: Option<String>,
    /// How many calls the CSV holds (once `done`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    rows: Option<u64>,
    /// Where the CSV is mailed.
    #[schema(format = Email)]
    email: String,
    /// Whether the CSV was mailed (once `done`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    mail: Option<MailOut>,
    created_at: Timestamp,
    /// When it became `done` or `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    finished_at: Option<Timestamp>,
    /// When the retention deletes it (and its CSV), once finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    expires_at: Option<Timestamp>,
}

/// The mail of a `done` export: `{"sent": true, "attached": ...}` or `{"sent": false,
/// "error": ...}`. A mail that could not be sent is not retried; the CSV stays downloadable.
#[derive(Serialize, ToSchema)]
#[schema(as = ExportMail)]
pub struct MailOut {
    sent: bool,
    /// Only once sent: whether the CSV was attached (else it was too large, and the mail
    /// only says where to download it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    attached: Option<bool>,
    /// Only when not sent: why (`no SMTP server configured`, or `SMTP: ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    error: Option<String>,
}

/// An export's progress. Any member, Viewers too.
pub async fn status(
    services: &Services,
    caller: &Caller,
    id: ExportId,
) -> ServiceResult<ExportOut> {
    let export = services
        .store
        .get_export(caller.organization_id, id)
        .await?;
    let retention = services.exports.config().retention;
    let expires_at = export
        .finished_at
        .map(|at| at.plus_millis(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX)));
    let mail = export.mail.map(|m| MailOut {
        sent: m.sent,
        attached: m.sent.then_some(m.attached),
        error: m.error,
    });
    Ok(ExportOut {
        id: export.id,
        status: export.status,
        reason: export.reason,
        rows: export.rows.filter(|_| export.status == ExportStatus::Done),
        email: export.email,
        mail,
        created_at: export.created_at,
        finished_at: export.finished_at,
        expires_at,
    })
}

/// A `done` export's CSV, to stream from the blob store; `Conflict` before it is done and
/// when it failed. Any member, Viewers too: it holds what they can read.
pub async fn csv(services: &Services, caller: &Caller, id: ExportId) -> ServiceResult<BlobReader> {
    let export = services
        .store
        .get_export(caller.organization_id, id)
        .await?;
    match export.status {
        ExportStatus::Done => {}
        ExportStatus::Failed => {
            return Err(ServiceError::Conflict(format!(
                "the export failed, there is no CSV: {}",
                export.reason.as_deref().unwrap_or("no reason recorded")
            )));
        }
        status => {
            return Err(ServiceError::Conflict(format!(
                "the export is not ready yet (status {status}); ask again in a moment"
            )));
        }
    }
    services
        .blobs
        .open(&export.blob_key())
        .await
        .map_err(ServiceError::internal)?
        .ok_or_else(|| {
            ServiceError::NotFound(
                "the export's CSV is not stored on this server (with several instances, the \
                 blob store must be shared)"
                    .to_owned(),
            )
        })
}
