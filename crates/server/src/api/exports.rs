//! CSV exports: `POST /calls/export` queues one, `GET /exports/{id}` tells how it went and,
//! with `Accept: text/csv`, hands out the file (the rules are the service's, `exports`).

use crate::api::auth::Authenticated;
use crate::api::openapi::Forbidden;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{OptionalJson, PathId};
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use switchyard_core::enums::{CallType, Emoji, SortOrder};
use switchyard_core::id::kind;
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::{CampaignId, ExportId, UseCaseId};
use switchyard_service::calls::query::time_or_date_items;
use switchyard_service::exports::{self, ExportAccepted, ExportOut};
use tokio_util::io::ReaderStream;
use utoipa::ToSchema;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_export))
        .routes(routes!(get_export))
}

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
        (status = 403, response = Forbidden),
        (status = 422, description = "The body is not an object, or a filter, `sort` or `email` is bad: `errors` names every one", body = ErrorBody),
    )
)]
pub async fn create_export(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    OptionalJson(body): OptionalJson<Map<String, Value>>,
) -> ApiResult<(StatusCode, Json<ExportAccepted>)> {
    let accepted = exports::request(&state.services, &caller, &body).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
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
        (status = 404, description = "No such export in your organization (or deleted by the retention), or its CSV is not stored on this server", body = ErrorBody),
        (status = 409, description = "With `Accept: text/csv`: the export is not `done` yet, or it failed", body = ErrorBody),
    )
)]
pub async fn get_export(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId<kind::Export>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if !wants_csv(&headers) {
        let export = exports::status(&state.services, &caller, id).await?;
        return Ok(Json(export).into_response());
    }
    let blob = exports::csv(&state.services, &caller, id).await?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_LENGTH, blob.len.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"calls-{id}.csv\""),
            ),
        ],
        Body::from_stream(ReaderStream::new(blob.reader)),
    )
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
