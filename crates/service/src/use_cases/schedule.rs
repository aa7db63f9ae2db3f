//! Working hours decide when calls may be placed. A mistake here would only surface at
//! call time, so it is refused when the use case is written.

use crate::validate::{self, Errors};
use chrono::NaiveTime;
use std::collections::BTreeMap;
use switchyard_core::use_case::WEEKDAYS;
use switchyard_core::use_case::WorkWindow;

/// Working hours in canonical form (`HH:MM`, zero-padded).
pub struct WorkHours {
    pub start: Option<String>,
    pub end: Option<String>,
    pub timezone: Option<String>,
    pub detailed: Option<BTreeMap<String, Vec<WorkWindow>>>,
}

pub fn work_hours(
    start: Option<String>,
    end: Option<String>,
    timezone: Option<String>,
    detailed: Option<BTreeMap<String, Vec<WorkWindow>>>,
    errors: &mut Errors,
) -> WorkHours {
    let (start, end) = match (start, end) {
        (Some(start), Some(end)) => window(("work_start", &start), ("work_end", &end), errors),
        (Some(_), None) => {
            errors.push(
                "work_end",
                "is required when `work_start` is set (give both or neither)",
            );
            (None, None)
        }
        (None, Some(_)) => {
            errors.push(
                "work_start",
                "is required when `work_end` is set (give both or neither)",
            );
            (None, None)
        }
        (None, None) => (None, None),
    };
    let timezone = timezone.and_then(|tz| {
        errors
            .check(validate::timezone("timezone", &tz))
            .map(|_| tz)
    });
    let detailed = detailed.map(|days| {
        days.into_iter()
            .map(|(day, windows)| {
                if !WEEKDAYS.contains(&day.as_str()) {
                    let message = format!(
                        "`{day}` is not a day: use lowercase weekday names, monday to sunday"
                    );
                    errors.push(format!("detailed_work_hours.{day}"), message);
                }
                let windows = windows
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let at = format!("detailed_work_hours.{day}[{i}]");
                        let (s, e) = window(
                            (&format!("{at}.start"), &w.start),
                            (&format!("{at}.end"), &w.end),
                            errors,
                        );
                        WorkWindow {
                            start: s.unwrap_or_default(),
                            end: e.unwrap_or_default(),
                        }
                    })
                    .collect();
                (day, windows)
            })
            .collect()
    });
    WorkHours {
        start,
        end,
        timezone,
        detailed,
    }
}

/// Parses an opening `start..end` and requires it to be non-empty.
fn window(
    start: (&str, &str),
    end: (&str, &str),
    errors: &mut Errors,
) -> (Option<String>, Option<String>) {
    let from = errors.check(clock(start.0, start.1));
    let to = errors.check(clock(end.0, end.1));
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        errors.push(
            end.0,
            format!(
                "must be later than {} ({} is not after {})",
                start.0, end.1, start.1
            ),
        );
    }
    (from.map(hhmm), to.map(hhmm))
}

fn clock(field: &str, raw: &str) -> Result<NaiveTime, crate::FieldError> {
    validate::clock_time(field, raw).and_then(|_| {
        NaiveTime::parse_from_str(raw, "%H:%M")
            .map_err(|e| crate::FieldError::new(field, e.to_string()))
    })
}

fn hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}
