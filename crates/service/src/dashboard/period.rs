//! The dashboard's period: whole local days of the organization's time zone, read from a
//! form's `period`, `from` and `to`.

use crate::usage::local_midnight;
use crate::{FieldError, ServiceError, ServiceResult};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use switchyard_core::Timestamp;
use switchyard_core::time::parse_date;

/// The longest custom period, in days: a bar per day must stay readable.
pub const MAX_DAYS: u64 = 366;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodKind {
    Today,
    Last7Days,
    Last30Days,
    Custom,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 4] = [
        PeriodKind::Today,
        PeriodKind::Last7Days,
        PeriodKind::Last30Days,
        PeriodKind::Custom,
    ];

    /// The value of `period` in the query string.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Today => "today",
            PeriodKind::Last7Days => "7d",
            PeriodKind::Last30Days => "30d",
            PeriodKind::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PeriodKind::Today => "Today",
            PeriodKind::Last7Days => "Last 7 days",
            PeriodKind::Last30Days => "Last 30 days",
            PeriodKind::Custom => "Custom dates",
        }
    }
}

/// Local days `first..=last`; `bounds[i]` is the instant day `i` starts and the last bound
/// is the instant after the period, so calls counted are those created in
/// `[bounds[0], bounds[last])`.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    pub kind: PeriodKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub bounds: Vec<Timestamp>,
}

impl Period {
    /// `period` (default `7d`: today and the 6 days before), and for `custom` the dates
    /// `from` and `to` (both included). Every bad field is reported.
    pub fn parse(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        tz: Tz,
        now: Timestamp,
    ) -> ServiceResult<Period> {
        let today = now.datetime().with_timezone(&tz).date_naive();
        let kind = match period.map(str::trim).filter(|p| !p.is_empty()) {
            None | Some("7d") => PeriodKind::Last7Days,
            Some("today") => PeriodKind::Today,
            Some("30d") => PeriodKind::Last30Days,
            Some("custom") => PeriodKind::Custom,
            Some(other) => {
                return Err(ServiceError::invalid_field(
                    "period",
                    format!("`{other}` is not one of: today, 7d, 30d, custom"),
                ));
            }
        };
        let (first, last) = match kind {
            PeriodKind::Today => (today, today),
            PeriodKind::Last7Days => (today - Days::new(6), today),
            PeriodKind::Last30Days => (today - Days::new(29), today),
            PeriodKind::Custom => custom_days(from, to)?,
        };
        let mut bounds = Vec::new();
        let mut day = first;
        while day <= last {
            bounds.push(local_midnight(tz, day));
            day = day + Days::new(1);
        }
        bounds.push(local_midnight(tz, day));
        Ok(Period {
            kind,
            first,
            last,
            bounds,
        })
    }

    pub fn start(&self) -> Timestamp {
        self.bounds[0]
    }

    /// The first instant after the period.
    pub fn end(&self) -> Timestamp {
        self.bounds[self.bounds.len() - 1]
    }

    /// The local date of each day, in order.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first.iter_days().take(self.bounds.len() - 1)
    }
}

fn custom_days(from: Option<&str>, to: Option<&str>) -> ServiceResult<(NaiveDate, NaiveDate)> {
    let date = |field: &str, raw: Option<&str>| match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Err(FieldError::new(
            field,
            "required for custom dates (YYYY-MM-DD)",
        )),
        Some(raw) => parse_date(raw).map_err(|e| FieldError::new(field, e.to_string())),
    };
    let (first, last) = match (date("from", from), date("to", to)) {
        (Ok(first), Ok(last)) => (first, last),
        (first, last) => {
            return Err(ServiceError::invalid(
                [first.err(), last.err()].into_iter().flatten().collect(),
            ));
        }
    };
    if last < first {
        return Err(ServiceError::invalid_field(
            "to",
            "must not be before `from`",
        ));
    }
    if (last - first).num_days() as u64 >= MAX_DAYS {
        return Err(ServiceError::invalid_field(
            "to",
            format!("a period is at most {MAX_DAYS} days"),
        ));
    }
    Ok((first, last))
}
