//! The dashboard's charts as CSV (`/dashboard.csv?chart=...`): the same numbers as the
//! tables beside the charts, unrounded where the page rounds.

use super::figures::money;
use std::fmt::Write as _;
use switchyard_service::dashboard::{Dashboard, Outcome};

pub const CHARTS: [&str; 6] = [
    "outcomes",
    "costs",
    "talk_time",
    "end_reasons",
    "tags",
    "usage",
];

/// The CSV of `chart`, `None` for an unknown chart.
pub fn chart(chart: &str, figures: &Dashboard) -> Option<String> {
    let mut out = String::new();
    match chart {
        "outcomes" => {
            let labels: Vec<&str> = Outcome::ALL.iter().map(|o| o.label()).collect();
            line(
                &mut out,
                ["date"].into_iter().chain(labels).chain(["total"]),
            );
            for day in &figures.days {
                let mut cells = vec![day.date.to_string()];
                cells.extend(day.outcomes.iter().map(u64::to_string));
                cells.push(day.calls().to_string());
                line(&mut out, cells.iter().map(String::as_str));
            }
        }
        "costs" => {
            line(&mut out, ["date", "telephony", "ai", "total"]);
            for day in &figures.days {
                let cells = [
                    day.date.to_string(),
                    money(day.telephony_micros, 6),
                    money(day.ai_micros, 6),
                    money(day.telephony_micros + day.ai_micros, 6),
                ];
                line(&mut out, cells.iter().map(String::as_str));
            }
        }
        "talk_time" => {
            line(&mut out, ["figure", "value"]);
            let secs = |s: Option<f64>| s.map(|s| s.to_string()).unwrap_or_default();
            let rate = figures
                .answer_rate()
                .map(|r| r.to_string())
                .unwrap_or_default();
            for (name, value) in [
                ("calls", figures.calls.to_string()),
                ("dialed", figures.dialed.to_string()),
                ("answered", figures.answered.to_string()),
                ("answer_rate", rate),
                ("talk_time_calls", figures.talk.calls.to_string()),
                ("talk_time_median_secs", secs(figures.talk.median_secs)),
                ("talk_time_p90_secs", secs(figures.talk.p90_secs)),
            ] {
                line(&mut out, [name, value.as_str()]);
            }
        }
        "end_reasons" => counts(&mut out, "end_reason", &figures.end_reasons),
        "tags" => counts(&mut out, "tag", &figures.tags),
        "usage" => {
            line(&mut out, ["use_case_id", "calls", "minutes"]);
            for row in &figures.usage {
                let cells = [
                    row.use_case_id.to_string(),
                    row.calls.to_string(),
                    row.minutes.to_string(),
                ];
                line(&mut out, cells.iter().map(String::as_str));
            }
        }
        _ => return None,
    }
    Some(out)
}

fn counts(out: &mut String, name: &str, items: &[(String, u64)]) {
    line(out, [name, "calls"]);
    for (key, calls) in items {
        line(out, [key.as_str(), calls.to_string().as_str()]);
    }
}

fn line<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", quoted(cell));
    }
    out.push_str("\r\n");
}

/// RFC 4180 quoting; a text cell a spreadsheet would run as a formula gets a leading `'`.
fn quoted(cell: &str) -> String {
    let formula = cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err();
    let cell = if formula {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(quoted("a,b"), "\"a,b\"");
        assert_eq!(quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quoted("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(quoted("-1.5"), "-1.5");
    }
}
