//! When a campaign's call is due: its own `scheduled_date`/`scheduled_time` in its
//! `timezone` (else the use case's, else UTC), or now plus its turn times the stagger.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use switchyard_core::time::{self, Timestamp};

/// The call's own date and time, as given.
#[derive(Debug, Default)]
pub struct LocalSchedule {
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
}

/// `YYYY-MM-DD`, in the years 1970 to 9999.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    time::parse_date(raw.trim()).map_err(|e| e.to_string())
}

/// `HH:MM:SS`, or `HH:MM`.
pub fn parse_time(raw: &str) -> Result<NaiveTime, String> {
    let raw = raw.trim();
    NaiveTime::parse_from_str(raw, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M"))
        .map_err(|_| format!("`{raw}` is not a time like 14:30:00 (HH:MM:SS)"))
}

/// `None` when the call has no date or time of its own (it is staggered instead).
/// A date without a time starts at midnight; a time without a date is its next occurrence.
pub fn due_at(own: &LocalSchedule, tz: Tz, now: Timestamp) -> Result<Option<Timestamp>, String> {
    let local_now = now.datetime().with_timezone(&tz);
    let naive = match (own.date, own.time) {
        (None, None) => return Ok(None),
        (Some(date), time) => date.and_time(time.unwrap_or(NaiveTime::MIN)),
        (None, Some(time)) => {
            let today = local_now.date_naive().and_time(time);
            if today > local_now.naive_local() {
                today
            } else {
                today + Duration::days(1)
            }
        }
    };
    resolve(naive, tz).map(Some)
}

/// A local time in a zone; in a DST gap the first valid instant after it, in an overlap
/// the earlier of the two.
fn resolve(naive: NaiveDateTime, tz: Tz) -> Result<Timestamp, String> {
    for shift in [0, 30, 60, 90, 120] {
        if let Some(at) = tz
            .from_local_datetime(&(naive + Duration::minutes(shift)))
            .earliest()
        {
            return Ok(Timestamp::from_datetime(at.to_utc()));
        }
    }
    Err(format!("{naive} does not exist in {tz}"))
}

pub fn staggered(now: Timestamp, turn: u32, interval_minutes: u32) -> Timestamp {
    now.plus_seconds(i64::from(turn) * i64::from(interval_minutes) * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn a_date_and_time_are_read_in_the_timezone() {
        let own = LocalSchedule {
            date: Some(parse_date("2024-07-01").unwrap()),
            time: Some(parse_time("09:30:00").unwrap()),
        };
        let due = due_at(
            &own,
            chrono_tz::America::Chicago,
            at("2024-06-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(due, Some(at("2024-07-01T14:30:00Z")));
    }

    #[test]
    fn a_time_alone_is_its_next_occurrence() {
        let own = LocalSchedule {
            date: None,
            time: Some(parse_time("08:00").unwrap()),
        };
        let due = due_at(&own, chrono_tz::UTC, at("2024-01-01T12:00:00Z")).unwrap();
        assert_eq!(due, Some(at("2024-01-02T08:00:00Z")));
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_moves_past_it() {
        let own = LocalSchedule {
            date: Some(parse_date("2024-03-10").unwrap()),
            time: Some(parse_time("02:30").unwrap()),
        };
        let due = due_at(
            &own,
            chrono_tz::America::New_York,
            at("2024-01-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(due, Some(at("2024-03-10T07:00:00Z")));
    }
}
