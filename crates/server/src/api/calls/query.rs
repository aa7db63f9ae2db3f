//! The query string of `GET /calls` and `GET /calls/current-page`, parsed into a
//! [`CallQuery`]. Every value arrives as a string; each bad one is reported as a field error.

use crate::api::validate::Errors;
use crate::error::ApiError;
use crate::extract::parse_field_id;
use chrono::NaiveDate;
use serde::Deserialize;
use std::str::FromStr;
use switchyard_core::Id;
use switchyard_core::store::{CallFilter, CallQuery};
use switchyard_core::time::Timestamp;

pub const MAX_LIMIT: u32 = 2000;

#[derive(Debug, Default, Deserialize)]
pub struct CallQueryParams {
    #[serde(rename = "type")]
    call_type: Option<String>,
    limit: Option<String>,
    skip: Option<String>,
    statuses: Option<String>,
    tags: Option<String>,
    models: Option<String>,
    ratings: Option<String>,
    use_cases: Option<String>,
    campaigns: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
    search: Option<String>,
    transfer_contact_email: Option<String>,
    #[serde(rename = "callId")]
    call_id_camel: Option<String>,
    call_id: Option<String>,
}

impl CallQueryParams {
    pub fn parse(&self) -> Result<CallQuery, ApiError> {
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
        })
    }

    /// `callId` (or `call_id`) of `GET /calls/current-page`.
    pub fn call_id(&self) -> Result<Id, ApiError> {
        let raw = self
            .call_id_camel
            .as_deref()
            .or(self.call_id.as_deref())
            .ok_or_else(|| {
                ApiError::invalid_field("callId", "required: the id of the call to locate")
            })?;
        parse_field_id("callId", raw).map_err(|e| ApiError::invalid(vec![e]))
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
) -> Result<T, crate::error::FieldError> {
    raw.trim()
        .parse()
        .map_err(|e: switchyard_core::enums::UnknownVariant| {
            crate::error::FieldError::new(field, e.to_string())
        })
}

/// A comma-separated list; empty items are ignored.
fn list<T>(
    errors: &mut Errors,
    field: &str,
    raw: &Option<String>,
    parse: impl Fn(&str, &str) -> Result<T, crate::error::FieldError>,
) -> Vec<T> {
    let Some(raw) = raw else { return Vec::new() };
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .filter_map(|item| errors.check(parse(field, item)))
        .collect()
}

fn bounded(field: &str, raw: &str, min: u64, max: u64) -> Result<u64, crate::error::FieldError> {
    match raw.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ if max == i64::MAX as u64 => Err(crate::error::FieldError::new(
            field,
            format!("`{raw}` is not a whole number of at least {min}"),
        )),
        _ => Err(crate::error::FieldError::new(
            field,
            format!("`{raw}` is not a whole number from {min} to {max}"),
        )),
    }
}

/// An RFC 3339 instant, or a `YYYY-MM-DD` date: the start of that day (UTC) as a lower
/// bound, its last millisecond as an upper bound, so `to=2024-01-31` includes the 31st.
fn bound(field: &str, raw: &str, upper: bool) -> Result<Timestamp, crate::error::FieldError> {
    let raw = raw.trim();
    if let Ok(at) = Timestamp::parse(raw) {
        return Ok(at);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        crate::error::FieldError::new(
            field,
            format!("`{raw}` is neither an RFC 3339 timestamp nor a YYYY-MM-DD date"),
        )
    })?;
    let start = Timestamp::from_datetime(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    Ok(if upper {
        Timestamp::from_millis(start.plus_seconds(86_400).millis() - 1)
    } else {
        start
    })
}
