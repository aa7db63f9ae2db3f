//! The query string of `GET /calls` and `GET /calls/current-page`, parsed into a
//! [`CallQuery`]; also the same filters in the JSON body of `POST /calls/export`. Every
//! value arrives as a string; each bad one is reported as a field error.

use crate::validate::Errors;
use crate::validate::parse_field_id;
use crate::{FieldError, ServiceError};
use chrono::NaiveTime;
use serde::Deserialize;
use serde_json::Value;
use std::str::FromStr;
use switchyard_core::call_query::{CallFilter, CallQuery};
use switchyard_core::enums::{CallType, Emoji, SortOrder};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::time::{InstantOrDate, Timestamp};
use switchyard_core::{CallId, CampaignId, UseCaseId};

pub const MAX_LIMIT: u32 = 2000;

/// Every value is read as a string and checked here; the types below are what is valid.
/// Lists are comma-separated: a call matches any value of a list, and every list given.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallQueryParams {
    /// Only calls of this type.
    #[serde(rename = "type")]
    #[param(value_type = Option<CallType>)]
    call_type: Option<String>,
    /// Calls per page, 1 to 2000 (default 2000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 2000)]
    limit: Option<String>,
    /// Calls to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    skip: Option<String>,
    /// Statuses, comma-separated.
    #[param(value_type = Option<Vec<CallStatus>>, explode = false)]
    statuses: Option<String>,
    /// Tags (`metadata.tags`), comma-separated.
    #[param(value_type = Option<Vec<String>>, explode = false)]
    tags: Option<String>,
    /// Models (`use_case.model`), comma-separated.
    #[param(value_type = Option<Vec<String>>, explode = false)]
    models: Option<String>,
    /// Rating emojis, comma-separated: calls holding any rating with one of them.
    #[param(value_type = Option<Vec<Emoji>>, explode = false)]
    ratings: Option<String>,
    /// Use case ids, comma-separated.
    #[param(value_type = Option<Vec<UseCaseId>>, explode = false)]
    use_cases: Option<String>,
    /// Campaign ids, comma-separated.
    #[param(value_type = Option<Vec<CampaignId>>, explode = false)]
    campaigns: Option<String>,
    /// Calls created at or after this.
    #[param(schema_with = time_or_date)]
    from: Option<String>,
    /// Calls created at or before this.
    #[param(schema_with = time_or_date)]
    to: Option<String>,
    /// Order of `created`, ties broken by id (default `desc`).
    #[param(value_type = Option<SortOrder>)]
    sort: Option<String>,
    /// A case-insensitive substring of `metadata.from`, `metadata.to` or any extraction value.
    search: Option<String>,
    /// Only calls transferred to the contact with this email.
    transfer_contact_email: Option<String>,
    #[serde(rename = "callId")]
    #[param(ignore)]
    call_id_camel: Option<String>,
    #[param(ignore)]
    call_id: Option<String>,
}

/// `from` and `to`: a time or a date.
fn time_or_date() -> utoipa::openapi::schema::Schema {
    time_or_date_items()
        .description(Some(
            "An RFC 3339 time, or a `YYYY-MM-DD` date: in `from` its start, in `to` its end (UTC); both bounds are inclusive",
        ))
        .into()
}

/// An RFC 3339 time or a `YYYY-MM-DD` date (also for the body of `POST /calls/export`).
pub fn time_or_date_items() -> utoipa::openapi::schema::AnyOfBuilder {
    use utoipa::openapi::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let string = |format| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    utoipa::openapi::schema::AnyOfBuilder::new()
        .item(string(KnownFormat::DateTime))
        .item(string(KnownFormat::Date))
}

impl CallQueryParams {
    pub fn parse(&self) -> Result<CallQuery, ServiceError> {
        let mut errors = Errors::default();
        let limit = match &self.limit {
            None => MAX_LIMIT,
            Some(raw) => errors
                .check(bounded("limit", raw, 1, u64::from(MAX_LIMIT)))
                .map_or(MAX_LIMIT, |n| n as u32),
        };
        let skip = match &self.skip {
            None => 0,
            Some(raw) => errors
                .check(bounded("skip", raw, 0, i64::MAX as u64))
                .unwrap_or(0),
        };
        let filter = CallFilter {
            call_type: self
                .call_type
                .as_deref()
                .and_then(|raw| errors.check(one("type", raw))),
            statuses: list(&mut errors, "statuses", &self.statuses, one),
            tags: list(&mut errors, "tags", &self.tags, |_, s| Ok(s.to_owned())),
            models: list(&mut errors, "models", &self.models, |_, s| Ok(s.to_owned())),
            ratings: list(&mut errors, "ratings", &self.ratings, one),
            use_cases: list(&mut errors, "use_cases", &self.use_cases, parse_field_id),
            campaigns: list(&mut errors, "campaigns", &self.campaigns, parse_field_id),
            created_from: self
                .from
                .as_deref()
                .and_then(|raw| errors.check(bound("from", raw, false))),
            created_to: self
                .to
                .as_deref()
                .and_then(|raw| errors.check(bound("to", raw, true))),
            search: non_empty(&self.search),
            transfer_contact_email: non_empty(&self.transfer_contact_email)
                .map(|e| e.to_lowercase()),
        };
        let sort = self
            .sort
            .as_deref()
            .and_then(|raw| errors.check(one("sort", raw)))
            .unwrap_or_default();
        errors.finish()?;
        Ok(CallQuery {
            filter,
            sort,
            limit,
            skip,
            after: None,
        })
    }

    /// The filters of `GET /calls` given in a JSON body (`POST /calls/export`): each
    /// value a string as in the query string, or an array of them (read as their
    /// comma-separated list), a number or a boolean; `null` is absent. `limit`, `skip` and
    /// `callId` are not filters and are ignored.
    /// Values that fit none of these are left out and reported, so that `parse` can
    /// report the others' errors at the same time.
    pub fn from_json(body: &serde_json::Map<String, Value>) -> (CallQueryParams, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut value = |field: &str| match json_text(field, body.get(field)) {
            Ok(text) => text,
            Err(error) => {
                errors.push(error);
                None
            }
        };
        let params = CallQueryParams {
            call_type: value("type"),
            statuses: value("statuses"),
            tags: value("tags"),
            models: value("models"),
            ratings: value("ratings"),
            use_cases: value("use_cases"),
            campaigns: value("campaigns"),
            from: value("from"),
            to: value("to"),
            sort: value("sort"),
            search: value("search"),
            transfer_contact_email: value("transfer_contact_email"),
            ..CallQueryParams::default()
        };
        (params, errors)
    }

    /// `callId` (or `call_id`) of `GET /calls/current-page`.
    pub fn call_id(&self) -> Result<CallId, ServiceError> {
        let raw = self
            .call_id_camel
            .as_deref()
            .or(self.call_id.as_deref())
            .ok_or_else(|| {
                ServiceError::invalid_field("callId", "required: the id of the call to locate")
            })?;
        parse_field_id("callId", raw).map_err(|e| ServiceError::invalid(vec![e]))
    }
}

/// A JSON value as the text a query string would have carried.
fn json_text(field: &str, value: Option<&Value>) -> Result<Option<String>, FieldError> {
    let scalar = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let misfit = || FieldError::new(field, "must be a string or an array of strings");
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| scalar(item).ok_or_else(misfit))
            .collect::<Result<Vec<_>, _>>()
            .map(|items| Some(items.join(","))),
        Some(other) => scalar(other).map(Some).ok_or_else(misfit),
    }
}

fn non_empty(raw: &Option<String>) -> Option<String> {
    raw.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn one<T: FromStr<Err = switchyard_core::enums::UnknownVariant>>(
    field: &str,
    raw: &str,
) -> Result<T, crate::FieldError> {
    raw.trim()
        .parse()
        .map_err(|e: switchyard_core::enums::UnknownVariant| {
            crate::FieldError::new(field, e.to_string())
        })
}

/// A comma-separated list; empty items are ignored.
fn list<T>(
    errors: &mut Errors,
    field: &str,
    raw: &Option<String>,
    parse: impl Fn(&str, &str) -> Result<T, crate::FieldError>,
) -> Vec<T> {
    let Some(raw) = raw else { return Vec::new() };
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .filter_map(|item| errors.check(parse(field, item)))
        .collect()
}

pub(crate) fn bounded(
    field: &str,
    raw: &str,
    min: u64,
    max: u64,
) -> Result<u64, crate::FieldError> {
    match raw.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ if max == i64::MAX as u64 => Err(crate::FieldError::new(
            field,
            format!("`{raw}` is not a whole number of at least {min}"),
        )),
        _ => Err(crate::FieldError::new(
            field,
            format!("`{raw}` is not a whole number from {min} to {max}"),
        )),
    }
}

/// An RFC 3339 instant, or a `YYYY-MM-DD` date: the start of that day (UTC) as a lower
/// bound, its last millisecond as an upper bound, so `to=2024-01-31` includes the 31st.
fn bound(field: &str, raw: &str, upper: bool) -> Result<Timestamp, FieldError> {
    let date = match InstantOrDate::parse(raw) {
        Ok(InstantOrDate::Instant(at)) => return Ok(at),
        Ok(InstantOrDate::Date(date)) => date,
        Err(error) => return Err(FieldError::new(field, error.to_string())),
    };
    let start = Timestamp::from_datetime(date.and_time(NaiveTime::MIN).and_utc());
    Ok(if upper {
        Timestamp::from_millis(start.plus_seconds(86_400).millis() - 1)
    } else {
        start
    })
}
