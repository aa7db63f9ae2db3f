//! The dashboard's figures as the page prints them: formatted numbers, the charts' SVG,
//! the tables' rows.

use super::chart::{self, Series};
use crate::web::error::urlencode;
use crate::web::view::duration;
use chrono::SecondsFormat;
use std::collections::BTreeMap;
use switchyard_service::dashboard::{Dashboard, DashboardParams, Outcome};

/// Fill colors of the outcomes, in the order of `Outcome::ALL` (each also named in the
/// legend and the table: color is never the only cue).
const OUTCOME_COLORS: [&str; 9] = [
    "#1a7f37", "#0969da", "#8250df", "#bf8700", "#9a6700", "#cf222e", "#6e7781", "#1b7c83",
    "#afb8c1",
];

/// What the page prints, formatted.
pub struct Figures {
    pub heading: String,
    /// The form's fields as a query string, for the CSV links.
    pub query: String,
    pub calls: u64,
    /// `GET /calls`'s `from` and `to` (both inclusive) for exactly these calls.
    pub calls_from: String,
    pub calls_to: String,
    /// The calls list filtered to them.
    pub calls_link: String,
    pub first: String,
    pub last: String,
    pub answered: u64,
    pub dialed: u64,
    pub answer_rate: String,
    pub answer_rate_value: String,
    pub talk_calls: u64,
    pub median: String,
    pub median_value: String,
    pub p90: String,
    pub p90_value: String,
    pub telephony: String,
    pub ai: String,
    pub outcome_labels: Vec<(&'static str, &'static str)>,
    pub outcomes_svg: String,
    pub costs_svg: String,
    pub end_reasons_svg: String,
    pub tags_svg: String,
    pub days: Vec<DayRow>,
    pub end_reasons: Vec<(String, u64)>,
    pub tags: Vec<(String, u64)>,
    pub usage: Vec<UsageRow>,
    pub usage_calls: u64,
    pub usage_minutes: String,
}

pub struct DayRow {
    pub date: String,
    pub outcomes: Vec<u64>,
    pub calls: u64,
    pub telephony: String,
    pub ai: String,
    pub total: String,
}

pub struct UsageRow {
    pub use_case_id: String,
    pub name: String,
    pub calls: u64,
    pub minutes: String,
}

/// Dollars (or the costs' currency) from millionths, to `decimals` places.
pub fn money(micros: i64, decimals: usize) -> String {
    format!("{:.*}", decimals, micros as f64 / 1_000_000.0)
}

pub fn format_figures(
    figures: &Dashboard,
    params: &DashboardParams,
    names: &BTreeMap<String, String>,
) -> Figures {
    let period = &figures.period;
    let query = [
        ("period", Some(period.kind.as_str().to_owned())),
        ("from", params.from.clone()),
        ("to", params.to.clone()),
        ("use_case_id", params.use_case_id.clone()),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|v| format!("{key}={}", urlencode(&v))))
    .collect::<Vec<_>>()
    .join("&");
    let instant =
        |at: switchyard_core::Timestamp| at.datetime().to_rfc3339_opts(SecondsFormat::Millis, true);
    let labels: Vec<String> = figures
        .days
        .iter()
        .map(|d| d.date.format("%m-%d").to_string())
        .collect();
    let outcome_series: Vec<Series> = Outcome::ALL
        .iter()
        .zip(OUTCOME_COLORS)
        .enumerate()
        .map(|(i, (outcome, color))| Series {
            label: outcome.label().to_owned(),
            color,
            values: figures.days.iter().map(|d| d.outcomes[i] as f64).collect(),
        })
        .collect();
    let cost_series = [
        (
            "Telephony",
            "#0969da",
            figures
                .days
                .iter()
                .map(|d| d.telephony_micros)
                .collect::<Vec<_>>(),
        ),
        (
            "AI",
            "#8250df",
            figures.days.iter().map(|d| d.ai_micros).collect(),
        ),
    ]
    .map(|(label, color, micros)| Series {
        label: label.to_owned(),
        color,
        values: micros.into_iter().map(|m| m as f64 / 1_000_000.0).collect(),
    });
    let counted = |items: &[(String, u64)]| -> Vec<(String, f64)> {
        items.iter().map(|(k, v)| (k.clone(), *v as f64)).collect()
    };
    let seconds = |s: Option<f64>| s.map(|s| format!("{s:.3}")).unwrap_or_default();
    Figures {
        heading: format!(
            "{}: {} to {} ({})",
            period.kind.label(),
            period.first,
            period.last,
            figures.timezone
        ),
        query,
        calls: figures.calls,
        calls_from: instant(period.start()),
        calls_to: instant(period.end().plus_millis(-1)),
        calls_link: format!(
            "/?from={}&to={}",
            urlencode(&instant(period.start())),
            urlencode(&instant(period.end().plus_millis(-1)))
        ),
        first: period.first.to_string(),
        last: period.last.to_string(),
        answered: figures.answered,
        dialed: figures.dialed,
        answer_rate: figures
            .answer_rate()
            .map_or("—".to_owned(), |r| format!("{:.1} %", r * 100.0)),
        answer_rate_value: figures
            .answer_rate()
            .map(|r| format!("{r:.4}"))
            .unwrap_or_default(),
        talk_calls: figures.talk.calls,
        median: duration(figures.talk.median_secs),
        median_value: seconds(figures.talk.median_secs),
        p90: duration(figures.talk.p90_secs),
        p90_value: seconds(figures.talk.p90_secs),
        telephony: money(figures.telephony_micros(), 2),
        ai: money(figures.ai_micros(), 2),
        outcome_labels: Outcome::ALL
            .iter()
            .map(|o| o.label())
            .zip(OUTCOME_COLORS)
            .collect(),
        outcomes_svg: chart::stacked_columns(
            "chart-outcomes",
            "Calls per day by outcome",
            &labels,
            &outcome_series,
            |v| format!("{v:.0}"),
            1.0,
        ),
        costs_svg: chart::stacked_columns(
            "chart-costs",
            "Cost per day, telephony and AI",
            &labels,
            &cost_series,
            |v| format!("{v:.2}"),
            0.05,
        ),
        end_reasons_svg: chart::bars(
            "chart-end-reasons",
            "Top end reasons",
            &counted(&figures.end_reasons),
            "#1b7c83",
        ),
        tags_svg: chart::bars("chart-tags", "Top tags", &counted(&figures.tags), "#8250df"),
        days: figures
            .days
            .iter()
            .map(|d| DayRow {
                date: d.date.to_string(),
                outcomes: d.outcomes.to_vec(),
                calls: d.calls(),
                telephony: money(d.telephony_micros, 4),
                ai: money(d.ai_micros, 4),
                total: money(d.telephony_micros + d.ai_micros, 4),
            })
            .collect(),
        end_reasons: figures.end_reasons.clone(),
        tags: figures.tags.clone(),
        usage: figures
            .usage
            .iter()
            .map(|u| UsageRow {
                use_case_id: u.use_case_id.to_string(),
                name: names
                    .get(&u.use_case_id.to_string())
                    .cloned()
                    .unwrap_or_default(),
                calls: u.calls,
                minutes: format!("{:.2}", u.minutes),
            })
            .collect(),
        usage_calls: figures.usage_calls(),
        usage_minutes: format!("{:.2}", figures.usage_minutes()),
    }
}
