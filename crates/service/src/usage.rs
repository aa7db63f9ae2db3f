//! `GET /usage` (contract §4 #8), in two shapes:
//!
//! * `timeframe=daily|weekly|monthly` (default monthly): one row per period, oldest first,
//!   ending with the current one: the last 30 days, 12 weeks (Monday to Sunday) or 12
//!   months, in the organization's time zone, periods without calls included.
//! * `start` and `end`: one row per use case with calls created in `[start, end)`.
//!
//! The database counts and sums per 15 minutes (every time zone's offset is a multiple
//! of 15 minutes, so a local day, week or month is a whole number of these buckets); the
//! buckets are folded into local periods here. Nothing loads the calls themselves.

use crate::auth::Caller;
use crate::{ServiceError, ServiceResult, Services};
use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use switchyard_core::time::InstantOrDate;
use switchyard_core::{OrgId, Timestamp, UseCaseId};

const BUCKET_SECS: i64 = 15 * 60;

/// Either `timeframe`, or both `start` and `end`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// One row per local day (the last 30), week (12, Monday to Sunday) or month (12);
    /// the default without `start` and `end` is `monthly`.
    #[param(value_type = Option<Timeframe>)]
    timeframe: Option<String>,
    /// With `end`: one row per use case with calls created from `start` (an RFC 3339 time,
    /// or a date in the organization's time zone).
    start: Option<String>,
    /// With `start`: up to `end`, exclusive (a date includes that whole day).
    end: Option<String>,
}

impl UsageQuery {
    /// Per use case over the local dates `first..=last` (the dashboard's period).
    pub fn dates(first: NaiveDate, last: NaiveDate) -> UsageQuery {
        UsageQuery {
            timeframe: None,
            start: Some(first.format("%Y-%m-%d").to_string()),
            end: Some(last.format("%Y-%m-%d").to_string()),
        }
    }
}

/// Usage in one period of the organization's time zone.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PeriodUsage {
    organization_id: OrgId,
    /// `YYYY-MM-DD` (its first day) for days and weeks, `YYYY-MM` for months.
    period: String,
    /// Seconds.
    duration: f64,
    #[serde(rename = "callCount")]
    call_count: u64,
}

/// Usage of one use case over `[start, end)`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UseCaseUsage {
    org_id: OrgId,
    pub use_case_id: UseCaseId,
    start: Timestamp,
    end: Timestamp,
    pub calls: u64,
    pub minutes: f64,
}

/// The rows of `GET /usage`: per period, or per use case.
#[derive(Serialize)]
#[serde(untagged)]
pub enum UsageRows {
    Periods(Vec<PeriodUsage>),
    UseCases(Vec<UseCaseUsage>),
}

/// `anyOf`, not `oneOf`: an empty list is both.
impl utoipa::PartialSchema for UsageRows {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder};
        AnyOfBuilder::new()
            .item(ArrayBuilder::new().items(Ref::from_schema_name("PeriodUsage")))
            .item(ArrayBuilder::new().items(Ref::from_schema_name("UseCaseUsage")))
            .description(Some(
                "Per period with `timeframe` (oldest first, periods without calls included), per use case with `start` and `end`",
            ))
            .into()
    }
}

impl utoipa::ToSchema for UsageRows {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push(("PeriodUsage".into(), PeriodUsage::schema()));
        <PeriodUsage as utoipa::ToSchema>::schemas(schemas);
        schemas.push(("UseCaseUsage".into(), UseCaseUsage::schema()));
        <UseCaseUsage as utoipa::ToSchema>::schemas(schemas);
    }
}

#[derive(Clone, Copy, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Timeframe {
    Daily,
    Weekly,
    Monthly,
}

/// Calls and their duration per period (`timeframe`), or per use case (`start`, `end`).
pub async fn usage(
    services: &Services,
    caller: &Caller,
    query: &UsageQuery,
) -> ServiceResult<UsageRows> {
    let org = services
        .store
        .get_organization(caller.organization_id)
        .await?;
    let tz: Tz = org.timezone.parse().unwrap_or(Tz::UTC);
    let now = services.clock.now_for(caller.organization_id);
    let rows = match (&query.start, &query.end) {
        (None, None) => {
            let timeframe = parse_timeframe(query.timeframe.as_deref())?;
            UsageRows::Periods(by_period(services, org.id, tz, timeframe, now).await?)
        }
        (Some(start), Some(end)) => {
            if query.timeframe.is_some() {
                return Err(ServiceError::invalid_field(
                    "timeframe",
                    "give either `timeframe` or `start` and `end`, not both",
                ));
            }
            let (start, end) = range(start, end, tz)?;
            UsageRows::UseCases(by_use_case(services, org.id, start, end).await?)
        }
        (None, Some(_)) => return Err(ServiceError::invalid_field("start", "required with `end`")),
        (Some(_), None) => return Err(ServiceError::invalid_field("end", "required with `start`")),
    };
    Ok(rows)
}

fn parse_timeframe(raw: Option<&str>) -> ServiceResult<Timeframe> {
    match raw.unwrap_or("monthly") {
        "daily" => Ok(Timeframe::Daily),
        "weekly" => Ok(Timeframe::Weekly),
        "monthly" => Ok(Timeframe::Monthly),
        other => Err(ServiceError::invalid_field(
            "timeframe",
            format!("`{other}` is not one of: daily, weekly, monthly"),
        )),
    }
}

async fn by_period(
    services: &Services,
    org: OrgId,
    tz: Tz,
    timeframe: Timeframe,
    now: Timestamp,
) -> ServiceResult<Vec<PeriodUsage>> {
    let today = now.datetime().with_timezone(&tz).date_naive();
    let current = period_start(timeframe, today);
    let (count, step): (u32, fn(NaiveDate) -> NaiveDate) = match timeframe {
        Timeframe::Daily => (30, |d| d + Days::new(1)),
        Timeframe::Weekly => (12, |d| d + Days::new(7)),
        Timeframe::Monthly => (12, |d| d + Months::new(1)),
    };
    let first = match timeframe {
        Timeframe::Daily => current - Days::new(29),
        Timeframe::Weekly => current - Days::new(7 * 11),
        Timeframe::Monthly => current - Months::new(11),
    };
    let mut periods = BTreeMap::new();
    let mut day = first;
    for _ in 0..count {
        periods.insert(day, (0u64, 0.0f64));
        day = step(day);
    }
    let (from, to) = (local_midnight(tz, first), local_midnight(tz, day));
    for bucket in services
        .store
        .usage_buckets(org, from, to, BUCKET_SECS)
        .await?
    {
        let local = bucket.start.datetime().with_timezone(&tz).date_naive();
        if let Some((calls, seconds)) = periods.get_mut(&period_start(timeframe, local)) {
            *calls += bucket.calls;
            *seconds += bucket.duration_secs;
        }
    }
    Ok(periods
        .into_iter()
        .map(|(start, (calls, seconds))| PeriodUsage {
            organization_id: org,
            period: match timeframe {
                Timeframe::Monthly => start.format("%Y-%m").to_string(),
                _ => start.format("%Y-%m-%d").to_string(),
            },
            duration: round(seconds, 3),
            call_count: calls,
        })
        .collect())
}

async fn by_use_case(
    services: &Services,
    org: OrgId,
    start: Timestamp,
    end: Timestamp,
) -> ServiceResult<Vec<UseCaseUsage>> {
    let rows = services.store.usage_by_use_case(org, start, end).await?;
    Ok(rows
        .into_iter()
        .map(|row| UseCaseUsage {
            org_id: org,
            use_case_id: row.use_case_id,
            start,
            end,
            calls: row.calls,
            minutes: round(row.duration_secs / 60.0, 2),
        })
        .collect())
}

/// The first day of the period holding `day`: itself, its week's Monday, its month's 1st.
fn period_start(timeframe: Timeframe, day: NaiveDate) -> NaiveDate {
    match timeframe {
        Timeframe::Daily => day,
        Timeframe::Weekly => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
        Timeframe::Monthly => day.with_day(1).unwrap_or(day),
    }
}

/// 00:00 of `day` in `tz`; where midnight does not exist (a DST jump), the first instant
/// after it.
pub(crate) fn local_midnight(tz: Tz, day: NaiveDate) -> Timestamp {
    local_instant(tz, day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

fn local_instant(tz: Tz, local: NaiveDateTime) -> Timestamp {
    let mut probe = local;
    for _ in 0..8 {
        if let Some(at) = tz.from_local_datetime(&probe).earliest() {
            return Timestamp::from_datetime(at.to_utc());
        }
        probe += chrono::Duration::minutes(15);
    }
    Timestamp::from_datetime(local.and_utc())
}

/// `start`/`end`: RFC 3339 instants, or dates in the organization's time zone (`end` as a
/// date includes that whole day).
fn range(start: &str, end: &str, tz: Tz) -> ServiceResult<(Timestamp, Timestamp)> {
    let start = bound("start", start, tz, false)?;
    let end = bound("end", end, tz, true)?;
    if end <= start {
        return Err(ServiceError::invalid_field("end", "must be after `start`"));
    }
    Ok((start, end))
}

fn bound(field: &str, raw: &str, tz: Tz, end_of_day: bool) -> ServiceResult<Timestamp> {
    let day = match InstantOrDate::parse(raw) {
        Ok(InstantOrDate::Instant(at)) => return Ok(at),
        Ok(InstantOrDate::Date(day)) => day,
        Err(error) => return Err(ServiceError::invalid_field(field, error.to_string())),
    };
    let day = if end_of_day { day + Days::new(1) } else { day };
    Ok(local_midnight(tz, day))
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}
