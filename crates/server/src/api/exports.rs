//! CSV exports (contract §4 #12): `POST /calls/export` queues one (the export worker in
//! `crate::exports` builds and mails it), `GET /exports/{id}` tells how it went and, with
//! `Accept: text/csv`, hands out the file.

use crate::api::calls::query::{CallQueryParams, time_or_date_items};
use crate::api::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
};
use crate::api::validate;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
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
use switchyard_core::enums::{CallType, Emoji, Role, SortOrder};
use switchyard_core::export::{Export, ExportStatus};
use switchyard_core::id::kind;
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::StoreError;
use switchyard_core::time::Timestamp;
use switchyard_core::{CampaignId, ExportId, Id, UseCaseId};
use tokio_util::io::ReaderStream;
use utoipa::ToSchema;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calls/export", post(create_export))
        .route("/exports/{id}", get(get_export))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create_export, get_export),
    components(schemas(CallStatus, Emoji))
)]
pub struct Doc;

/// Which calls to export, and where to mail the CSV.
///
/// Every key is optional: no body, `{}` or `null` exports every call. The filters and
/// `sort` are those of `GET /calls`, each value a string as in its query string (lists
/// comma-separated) or an array of strings; `null` is the same as leaving a key out.
/// `limit`, `skip` and `callId` are ignored: an export holds every matching call.
// Documents the body only: the handler reads it key by key, so that one `422` names every
// bad key (`CallQueryParams::from_json`).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ExportIn {
    /// Only calls of this type.
    #[schema(rename = "type")]
    call_type: Option<CallType>,
    #[schema(schema_with = statuses)]
    statuses: Option<Vec<CallStatus>>,
    #[schema(schema_with = tags)]
    tags: Option<Vec<String>>,
    #[schema(schema_with = models)]
    models: Option<Vec<String>>,
    #[schema(schema_with = ratings)]
    ratings: Option<Vec<Emoji>>,
    #[schema(schema_with = use_cases)]
    use_cases: Option<Vec<UseCaseId>>,
    #[schema(schema_with = campaigns)]
    campaigns: Option<Vec<CampaignId>>,
    #[schema(schema_with = from)]
    from: Option<String>,
    #[schema(schema_with = to)]
    to: Option<String>,
    /// The CSV's order of `created`, ties broken by id (default `desc`).
    sort: Option<SortOrder>,
    /// A case-insensitive substring of `metadata.from`, `metadata.to` or any extraction value.
    search: Option<String>,
    /// Only calls transferred to the contact with this email.
    transfer_contact_email: Option<String>,
    /// Where to mail the CSV (default: the key's member); trimmed and lowercased.
    #[schema(format = Email)]
    email: Option<String>,
}

/// A list filter: an array of `items`, or one string of them comma-separated, or `null`.
fn list_filter(items: RefOr<Schema>, description: &str) -> Schema {
    AnyOfBuilder::new()
        .item(ArrayBuilder::new().items(items))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The same, comma-separated")),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(description))
        .into()
}

fn text_items() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn statuses() -> Schema {
    list_filter(
        Ref::from_schema_name(CallStatus::name()).into(),
        "Only calls with one of these statuses",
    )
}

fn tags() -> Schema {
    list_filter(
        text_items(),
        "Only calls with one of these tags (`metadata.tags`); in an array, a tag may not contain a comma",
    )
}

fn models() -> Schema {
    list_filter(
        text_items(),
        "Only calls of one of these models (`use_case.model`); in an array, a model may not contain a comma",
    )
}

fn ratings() -> Schema {
    list_filter(
        Ref::from_schema_name(Emoji::name()).into(),
        "Only calls holding a rating with one of these emojis",
    )
}

fn use_cases() -> Schema {
    list_filter(
        Ref::from_schema_name(UseCaseId::name()).into(),
        "Only calls of one of these use cases",
    )
}

fn campaigns() -> Schema {
    list_filter(
        Ref::from_schema_name(CampaignId::name()).into(),
        "Only calls of one of these campaigns",
    )
}

/// `from` and `to`: a time or a date, or `null`.
fn time_or_date_or_null(description: &str) -> Schema {
    time_or_date_items()
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(description))
        .into()
}

fn from() -> Schema {
    time_or_date_or_null(
        "Only calls created at or after this: an RFC 3339 time, or a `YYYY-MM-DD` date (its start, UTC)",
    )
}

fn to() -> Schema {
    time_or_date_or_null(
        "Only calls created at or before this: an RFC 3339 time, or a `YYYY-MM-DD` date (its end, UTC)",
    )
}

/// The export is queued.
#[derive(Serialize, ToSchema)]
pub struct ExportAccepted {
    /// Where the CSV will be mailed, and where to follow the export.
    message: String,
    /// For `GET /exports/{id}`.
    export_id: ExportId,
}

/// Exports calls as CSV.
///
/// Queues a CSV of the calls that match the filters (all calls without them), in the
/// order of `sort`, which a background worker builds and mails as an attachment (or, when
/// it is too large, a link); `GET /exports/{id}` follows it and hands out the file.
/// Representatives and Owners: an export sends the organization's calls to any mailbox.
#[utoipa::path(
    post,
    path = "/calls/export",
    operation_id = "export_calls",
    tag = "Exports",
    request_body(content = Option<ExportIn>, description = "Optional: no body exports every call, mailed to the key's member"),
    responses(
        (status = 202, description = "The export is queued", body = ExportAccepted),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "The body is not an object, or a filter, `sort` or `email` is bad: `errors` names every one", body = ErrorBody),
    )
)]
pub async fn create_export(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<Map<String, Value>>,
) -> ApiResult<(StatusCode, Json<ExportAccepted>)> {
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
        Json(ExportAccepted {
            message: format!(
                "the export is being prepared; it will be mailed to {} when ready (GET /api/v1/exports/{} tells its progress)",
                export.email, export.id
            ),
            export_id: export.id,
        }),
    ))
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

/// A CSV file.
struct Csv;

impl utoipa::PartialSchema for Csv {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("text/csv")
            .description(Some(
                "UTF-8, RFC 4180, a header row, then one row per call in the export's `sort`",
            ))
            .into()
    }
}

impl ToSchema for Csv {}

/// An export's progress, or its CSV.
///
/// As JSON, the export's status. With `Accept: text/csv`, the CSV once `done` (as an
/// attachment, `calls-<id>.csv`), `409` before and when it failed. Any member, Viewers
/// too: the CSV holds what they can read. Deleted (`404`) when the retention runs out.
#[utoipa::path(
    get,
    path = "/exports/{id}",
    operation_id = "get_export",
    tag = "Exports",
    params(("id" = ExportId, Path, description = "The export's id")),
    responses(
        (status = 200, description = "The export; with `Accept: text/csv`, its CSV",
            content(
                (ExportOut = "application/json"),
                (inline(Csv) = "text/csv"),
            ),
            headers(
                ("content-disposition" = String, description = "With the CSV: `attachment; filename=\"calls-<id>.csv\"`"),
            ),
        ),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No such export in your organization (or deleted by the retention), or its CSV is not stored on this server", body = ErrorBody),
        (status = 409, description = "With `Accept: text/csv`: the export is not `done` yet, or it failed", body = ErrorBody),
    )
)]
pub async fn get_export(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<kind::Export>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let export = state
        .store
        .get_export(caller.organization_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::not_found("export"),
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
