//! CSV exports (contract §4 #12): `POST /calls/export` queues one (the export worker in
//! `crate::exports` builds and mails it), `GET /exports/{id}` tells how it went and, with
//! `Accept: text/csv`, hands out the file.

use crate::api::calls::query::CallQueryParams;
use crate::api::validate;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{OptionalJson, PathId};
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};
use switchyard_core::Id;
use switchyard_core::enums::Role;
use switchyard_core::export::{Export, ExportStatus};
use switchyard_core::store::StoreError;
use switchyard_core::time::Timestamp;
use tokio_util::io::ReaderStream;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calls/export", post(create_export))
        .route("/exports/{id}", get(get_export))
}

#[derive(Serialize)]
pub struct Accepted {
    message: String,
    export_id: Id,
}

/// Representatives and Owners (contract §6: exporting mails the organization's calls to
/// any address, which reading them does not). The body is optional: no filters exports
/// every call.
pub async fn create_export(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<Map<String, Value>>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    caller.require(Role::Representative)?;
    let mut errors = Vec::new();
    let email = match body.get("email") {
        None | Some(Value::Null) => Some(caller.email.clone()),
        Some(Value::String(raw)) => validate::email("email", raw)
            .map_err(|e| errors.push(e))
            .ok(),
        Some(_) => {
            errors.push(crate::error::FieldError::new("email", "must be a string"));
            None
        }
    };
    let (params, misfits) = CallQueryParams::from_json(&body);
    errors.extend(misfits);
    let query = match params.parse() {
        Ok(query) => Some(query),
        Err(ApiError::Unprocessable { errors: bad, .. }) => {
            errors.extend(bad);
            None
        }
        Err(other) => return Err(other),
    };
    let (Some(email), Some(query), true) = (email, query, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let now = state.clock.now();
    let export = Export::new(
        Id::new(now),
        caller.organization_id,
        query.filter,
        query.sort,
        email,
        caller.email.clone(),
        now,
    );
    state.store.insert_export(&export).await?;
    state.exports.wake();
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: format!(
                "the export is being prepared; it will be mailed to {} when ready (GET /api/v1/exports/{} tells its progress)",
                export.email, export.id
            ),
            export_id: export.id,
        }),
    ))
}

#[derive(Serialize)]
pub struct ExportOut {
    id: Id,
    status: ExportStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<u64>,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    mail: Option<MailOut>,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<Timestamp>,
    /// When the retention deletes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<Timestamp>,
}

#[derive(Serialize)]
pub struct MailOut {
    sent: bool,
    /// Only once sent: whether the CSV was attached (else it was too large, and the mail
    /// only says where to download it).
    #[serde(skip_serializing_if = "Option::is_none")]
    attached: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Any member of the organization (Viewers too: the CSV holds what they can read). The
/// status as JSON, or with `Accept: text/csv` the file once `done` (`409` before).
pub async fn get_export(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let export = state
        .store
        .get_export(caller.organization_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("export"),
            other => other.into(),
        })?;
    if wants_csv(&headers) {
        return csv_file(&state, &export).await;
    }
    let retention = state.exports.config().retention;
    let expires_at = export
        .finished_at
        .map(|at| at.plus_millis(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX)));
    let mail = export.mail.map(|m| MailOut {
        sent: m.sent,
        attached: m.sent.then_some(m.attached),
        error: m.error,
    });
    Ok(Json(ExportOut {
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
    .into_response())
}

/// Whether `Accept` names `text/csv` (with a non-zero `q`).
fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let is_csv = parts
                .next()
                .is_some_and(|essence| essence.eq_ignore_ascii_case("text/csv"));
            let q = parts
                .find_map(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            is_csv && q > 0.0
        })
}

/// The stored CSV, streamed from the blob store.
async fn csv_file(state: &AppState, export: &Export) -> ApiResult<Response> {
    match export.status {
        ExportStatus::Done => {}
        ExportStatus::Failed => {
            return Err(ApiError::Conflict(format!(
                "the export failed, there is no CSV: {}",
                export.reason.as_deref().unwrap_or("no reason recorded")
            )));
        }
        status => {
            return Err(ApiError::Conflict(format!(
                "the export is not ready yet (status {status}); ask again in a moment"
            )));
        }
    }
    let blob = state
        .blobs
        .open(&export.blob_key())
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::NotFound(
                "the export's CSV is not stored on this server (with several instances, the \
                 blob store must be shared)"
                    .to_owned(),
            )
        })?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_LENGTH, blob.len.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"calls-{}.csv\"", export.id),
            ),
        ],
        Body::from_stream(ReaderStream::new(blob.reader)),
    )
        .into_response())
}
