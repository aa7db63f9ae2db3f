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

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::dashboard::BUCKET_MILLIS;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn the_default_is_the_last_7_local_days() {
        let period = Period::parse(None, None, None, Tz::UTC, at("2024-01-10T12:00:00Z")).unwrap();
        assert_eq!(period.kind, PeriodKind::Last7Days);
        assert_eq!(period.first.to_string(), "2024-01-04");
        assert_eq!(period.bounds.len(), 8);
        assert_eq!(period.end(), at("2024-01-11T00:00:00Z"));
    }

    #[test]
    fn days_of_a_half_hour_zone_are_whole_rollup_buckets() {
        let tz: Tz = "Asia/Kolkata".parse().unwrap();
        let period =
            Period::parse(Some("today"), None, None, tz, at("2024-01-10T20:00:00Z")).unwrap();
        assert_eq!(period.first.to_string(), "2024-01-11");
        assert_eq!(period.start(), at("2024-01-10T18:30:00Z"));
        assert!(
            period
                .bounds
                .iter()
                .all(|b| b.millis() % BUCKET_MILLIS == 0)
        );
    }

    #[test]
    fn a_day_with_a_dst_change_has_its_own_length() {
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let period = Period::parse(
            Some("custom"),
            Some("2024-03-31"),
            Some("2024-03-31"),
            tz,
            at("2024-04-10T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            period.end().millis() - period.start().millis(),
            23 * 3_600_000
        );
    }

    #[test]
    fn bad_custom_dates_name_their_field() {
        let now = at("2024-01-10T12:00:00Z");
        let fields = |result: ServiceResult<Period>| match result {
            Err(ServiceError::Invalid { errors, .. }) => {
                errors.into_iter().map(|e| e.field).collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        let backwards = Period::parse(
            Some("custom"),
            Some("2024-01-05"),
            Some("2024-01-01"),
            Tz::UTC,
            now,
        );
        assert_eq!(fields(backwards), ["to"]);
        let missing = Period::parse(Some("custom"), None, Some("x"), Tz::UTC, now);
        assert_eq!(fields(missing), ["from", "to"]);
        let too_long = Period::parse(
            Some("custom"),
            Some("2022-01-01"),
            Some("2024-01-01"),
            Tz::UTC,
            now,
        );
        assert_eq!(fields(too_long), ["to"]);
    }
}
