//! A use case's working hours (`work_start`/`work_end`, or `detailed_work_hours` when
//! `enable_detailed_work_hours`), in its `timezone` (UTC when unset). The API checked the
//! values when the use case was written (`HH:MM`, start before end, an IANA zone), so
//! anything unreadable here is treated as "no restriction" rather than blocking calls.

use chrono::{Datelike, Days, NaiveTime, TimeZone};
use chrono_tz::Tz;
use switchyard_core::Timestamp;
use switchyard_core::use_case::UseCase;
use switchyard_core::use_case::WEEKDAYS;

/// `None` when calls may be placed at `now`; otherwise when the hours next open. A use
/// case without hours is always open; one whose windows never open (every day empty)
/// answers a week from now, so its calls are looked at again rather than never.
pub fn next_opening(use_case: &UseCase, now: Timestamp) -> Option<Timestamp> {
    let tz: Tz = use_case
        .timezone
        .as_deref()
        .and_then(|name| name.parse().ok())
        .unwrap_or(Tz::UTC);
    let local_now = now.datetime().with_timezone(&tz);
    let mut earliest_future: Option<Timestamp> = None;
    for day_offset in 0..8 {
        let date = local_now
            .date_naive()
            .checked_add_days(Days::new(day_offset))?;
        let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
        // No hours at all: always open.
        let windows = windows_for(use_case, weekday)?;
        for (start, end) in windows {
            let (Some(open), Some(close)) = (
                tz.from_local_datetime(&date.and_time(start)).earliest(),
                tz.from_local_datetime(&date.and_time(end)).earliest(),
            ) else {
                continue;
            };
            let (open, close) = (
                Timestamp::from_datetime(open.to_utc()),
                Timestamp::from_datetime(close.to_utc()),
            );
            if open <= now && now < close {
                return None;
            }
            if open > now && earliest_future.is_none_or(|e| open < e) {
                earliest_future = Some(open);
            }
        }
        if earliest_future.is_some() {
            break;
        }
    }
    Some(earliest_future.unwrap_or(now.plus_seconds(7 * 86_400)))
}

/// Whether an inbound call at `now` is within the hours.
pub fn is_open(use_case: &UseCase, now: Timestamp) -> bool {
    next_opening(use_case, now).is_none()
}

/// The day's windows, or `None` when the use case sets no hours at all.
fn windows_for(use_case: &UseCase, weekday: &str) -> Option<Vec<(NaiveTime, NaiveTime)>> {
    let parse = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").ok();
    if use_case.enable_detailed_work_hours
        && let Some(days) = &use_case.detailed_work_hours
    {
        let windows = days.get(weekday).map(Vec::as_slice).unwrap_or_default();
        return Some(
            windows
                .iter()
                .filter_map(|w| Some((parse(&w.start)?, parse(&w.end)?)))
                .collect(),
        );
    }
    let start = parse(use_case.work_start.as_deref()?)?;
    let end = parse(use_case.work_end.as_deref()?)?;
    Some(vec![(start, end)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::Id;
    use switchyard_core::use_case::WorkWindow;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn use_case(start: &str, end: &str, tz: Option<&str>) -> UseCase {
        let now = at("2024-01-01T00:00:00Z");
        let mut uc = UseCase::new(Id::new(now), Id::new(now), "hours", now);
        uc.work_start = Some(start.to_owned());
        uc.work_end = Some(end.to_owned());
        uc.timezone = tz.map(str::to_owned);
        uc
    }

    #[test]
    fn no_hours_means_always_open() {
        let now = at("2024-01-01T03:00:00Z");
        let uc = UseCase::new(Id::new(now), Id::new(now), "any time", now);
        assert_eq!(next_opening(&uc, now), None);
    }

    #[test]
    fn simple_hours_in_a_timezone() {
        // 2024-01-01 is a Monday; New York is UTC-5 in January.
        let uc = use_case("09:00", "17:00", Some("America/New_York"));
        assert_eq!(next_opening(&uc, at("2024-01-01T14:00:00Z")), None);
        assert_eq!(
            next_opening(&uc, at("2024-01-01T13:59:59Z")),
            Some(at("2024-01-01T14:00:00Z"))
        );
        // 17:00 local is closing time: the next opening is tomorrow at 09:00 local.
        assert_eq!(
            next_opening(&uc, at("2024-01-01T22:00:00Z")),
            Some(at("2024-01-02T14:00:00Z"))
        );
        assert!(!is_open(&uc, at("2024-01-02T03:00:00Z")));
    }

    #[test]
    fn detailed_hours_skip_closed_days() {
        let mut uc = use_case("00:00", "23:59", None);
        uc.enable_detailed_work_hours = true;
        let window = |s: &str, e: &str| WorkWindow {
            start: s.into(),
            end: e.into(),
        };
        uc.detailed_work_hours = Some(
            [
                (
                    "monday".to_owned(),
                    vec![window("08:00", "12:00"), window("13:00", "17:00")],
                ),
                ("friday".to_owned(), vec![window("10:00", "11:00")]),
            ]
            .into(),
        );
        // Monday lunch break: open again at 13:00.
        assert_eq!(
            next_opening(&uc, at("2024-01-01T12:30:00Z")),
            Some(at("2024-01-01T13:00:00Z"))
        );
        // Monday evening: Tuesday to Thursday are closed, Friday opens at 10:00.
        assert_eq!(
            next_opening(&uc, at("2024-01-01T18:00:00Z")),
            Some(at("2024-01-05T10:00:00Z"))
        );
        assert_eq!(next_opening(&uc, at("2024-01-05T10:30:00Z")), None);
    }

    #[test]
    fn a_week_without_windows_is_looked_at_again_later() {
        let mut uc = use_case("09:00", "17:00", None);
        uc.enable_detailed_work_hours = true;
        uc.detailed_work_hours = Some(Default::default());
        let now = at("2024-01-01T10:00:00Z");
        assert_eq!(next_opening(&uc, now), Some(now.plus_seconds(7 * 86_400)));
    }
}
