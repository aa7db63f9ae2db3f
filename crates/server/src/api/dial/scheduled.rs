//! `POST /dial/scheduled`: a campaign of calls from a `calls` list or a base64 CSV, each
//! due at its own local date and time or staggered from now, with retry rules kept on the
//! campaign for the engine.

use super::MAX_CALLS_PER_REQUEST;
use super::context::DialContext;
use super::idempotency::{self, Replay};
use super::item::DialItem;
use super::schedule::{self, LocalSchedule};
use crate::api::validate::{self, Errors};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBytes, parse_json};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchyard_core::Id;
use switchyard_core::call::Call;
use switchyard_core::campaign::{Campaign, RetryRule};
use switchyard_core::enums::Role;
use switchyard_core::lifecycle::CallStatus;

#[derive(Deserialize)]
pub struct CampaignIn {
    number_id: Option<String>,
    use_case_id: Option<String>,
    assistant_id: Option<String>,
    agent_id: Option<String>,
    prompt_id: Option<String>,
    model_id: Option<String>,
    language: Option<String>,
    max_duration_mins: Option<i64>,
    campaign_name: Option<String>,
    calls: Option<Vec<Map<String, Value>>>,
    csv_file: Option<String>,
    staggered_interval_minutes: Option<u32>,
    #[serde(default)]
    retry_logic: Vec<RetryRuleIn>,
    max_retries: Option<u32>,
}

#[derive(Deserialize)]
struct RetryRuleIn {
    query: String,
    retry_period: u32,
    max_retry_per_day: Option<u32>,
}

#[derive(Serialize)]
struct CampaignOut<'a> {
    #[serde(rename = "createdCalls")]
    created_calls: &'a [Call],
    campaign_id: Id,
}

/// Keys of a campaign row that are not prompt params.
const ROW_KEYS: &[&str] = &[
    "phone_number",
    "scheduled_date",
    "scheduled_time",
    "timezone",
    "max_duration_mins",
];
const MAX_RETRIES: u32 = 10;

pub async fn campaign(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBytes(bytes): JsonBytes,
) -> ApiResult<Response> {
    caller.require(Role::Representative)?;
    let body: CampaignIn = parse_json(&bytes)?;
    let key = match idempotency::check(&state, &caller, &headers, "scheduled", &bytes).await? {
        Replay::Stored(response) => return Ok(response),
        Replay::Proceed(key) => key,
    };
    let now = state.clock.now();
    let context = DialContext::load(state.store.as_ref(), caller.organization_id, now).await?;
    let mut errors = Errors::default();
    let rows = rows(&body, &mut errors);
    let campaign = Campaign {
        id: Id::new(now),
        organization_id: caller.organization_id,
        name: body
            .campaign_name
            .clone()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        retry_logic: retry_rules(&body.retry_logic, &mut errors),
        max_retries: body
            .max_retries
            .unwrap_or(if body.retry_logic.is_empty() { 0 } else { 1 }),
        created_at: now,
    };
    if campaign.max_retries > MAX_RETRIES {
        errors.push("max_retries", format!("must be at most {MAX_RETRIES}"));
    }
    let fallback_tz = campaign_timezone(&body, &context);
    let interval = body.staggered_interval_minutes.unwrap_or(0);
    let mut calls = Vec::with_capacity(rows.len());
    let mut turn = 0;
    for (index, row) in rows.into_iter().enumerate() {
        let at = |field: &str| {
            if ROW_KEYS.contains(&field) {
                format!("calls[{index}].{field}")
            } else {
                field.to_owned()
            }
        };
        let item = row_item(
            &body,
            row,
            campaign.id,
            fallback_tz,
            &mut turn,
            interval,
            now,
            &at,
            &mut errors,
        );
        calls.extend(context.build_call(item, &at, &mut errors));
    }
    // Campaign-level fields are checked once per row: report each problem once.
    let mut seen = std::collections::HashSet::new();
    errors
        .0
        .retain(|e| seen.insert((e.field.clone(), e.message.clone())));
    errors.finish()?;
    let body = serde_json::to_string(&CampaignOut {
        created_calls: &calls,
        campaign_id: campaign.id,
    })
    .map_err(ApiError::internal)?;
    idempotency::commit(&state, &caller, &calls, Some(&campaign), key, body).await
}

/// The campaign's rows, from `calls`, else from the CSV.
fn rows(body: &CampaignIn, errors: &mut Errors) -> Vec<Map<String, Value>> {
    let rows = match (&body.calls, &body.csv_file) {
        (Some(calls), _) => calls.clone(),
        (None, Some(csv)) => csv_rows(csv).unwrap_or_else(|message| {
            errors.push("csv_file", message);
            Vec::new()
        }),
        (None, None) => {
            errors.push(
                "calls",
                "required: give `calls`, or a base64 CSV in `csv_file`",
            );
            return Vec::new();
        }
    };
    if errors.is_empty() && (rows.is_empty() || rows.len() > MAX_CALLS_PER_REQUEST) {
        errors.push(
            "calls",
            format!(
                "a campaign has 1 to {MAX_CALLS_PER_REQUEST} calls (got {})",
                rows.len()
            ),
        );
    }
    rows
}

fn csv_rows(encoded: &str) -> Result<Vec<Map<String, Value>>, String> {
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(&compact))
        .map_err(|_| "is not base64-encoded".to_owned())?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| format!("is not a CSV file: {e}"))?
        .clone();
    if !headers.iter().any(|h| h == "phone_number") {
        return Err("the CSV needs a `phone_number` column".to_owned());
    }
    let mut rows = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("CSV row {}: {e}", line + 1))?;
        let row = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (name.to_owned(), Value::String(value.to_owned())))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

fn retry_rules(given: &[RetryRuleIn], errors: &mut Errors) -> Vec<RetryRule> {
    let mut rules = Vec::new();
    for (index, rule) in given.iter().enumerate() {
        let field = |name: &str| format!("retry_logic[{index}].{name}");
        let statuses: Vec<&str> = rule
            .query
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if statuses.is_empty() {
            errors.push(
                field("query"),
                "list the statuses to retry, e.g. \"Busy,No answer\"",
            );
        }
        for status in statuses {
            match status.parse::<CallStatus>() {
                Ok(parsed) if parsed.is_final() && parsed != CallStatus::Completed => {}
                Ok(_) => errors.push(
                    field("query"),
                    format!("`{status}` is not a status a call can be retried from"),
                ),
                Err(e) => errors.push(field("query"), e.to_string()),
            }
        }
        if rule.retry_period == 0 {
            errors.push(field("retry_period"), "must be at least 1 minute");
        }
        let per_day = rule.max_retry_per_day.unwrap_or(1);
        if per_day == 0 {
            errors.push(field("max_retry_per_day"), "must be at least 1");
        }
        rules.push(RetryRule {
            query: rule.query.clone(),
            retry_period: rule.retry_period,
            max_retry_per_day: per_day,
        });
    }
    rules
}

/// The use case's timezone, for rows that name none.
fn campaign_timezone(body: &CampaignIn, context: &DialContext) -> chrono_tz::Tz {
    let use_case = body
        .use_case_id
        .as_deref()
        .or(body.assistant_id.as_deref())
        .and_then(|raw| raw.parse::<Id>().ok())
        .or_else(|| {
            let number = body.number_id.as_deref()?.parse::<Id>().ok()?;
            context.numbers.get(&number)?.use_case_config.id
        })
        .and_then(|id| context.use_cases.get(&id));
    use_case
        .and_then(|u| u.timezone.as_deref())
        .and_then(|tz| tz.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}

#[allow(clippy::too_many_arguments)]
fn row_item(
    body: &CampaignIn,
    mut row: Map<String, Value>,
    campaign_id: Id,
    fallback_tz: chrono_tz::Tz,
    turn: &mut u32,
    interval: u32,
    now: switchyard_core::time::Timestamp,
    at: &dyn Fn(&str) -> String,
    errors: &mut Errors,
) -> DialItem {
    let mut text = |key: &str| match row.remove(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    let phone_number = text("phone_number");
    let date = text("scheduled_date");
    let time = text("scheduled_time");
    let timezone = text("timezone");
    let row_max = text("max_duration_mins");
    let before = errors.0.len();
    let own = LocalSchedule {
        date: date.and_then(|d| {
            errors.check(
                schedule::parse_date(&d)
                    .map_err(|m| crate::error::FieldError::new(at("scheduled_date"), m)),
            )
        }),
        time: time.and_then(|t| {
            errors.check(
                schedule::parse_time(&t)
                    .map_err(|m| crate::error::FieldError::new(at("scheduled_time"), m)),
            )
        }),
    };
    let tz = match timezone {
        Some(name) => errors
            .check(validate::timezone(&at("timezone"), &name))
            .unwrap_or(fallback_tz),
        None => fallback_tz,
    };
    let max_duration_mins = match row_max {
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(mins) => Some(mins),
            Err(_) => {
                errors.push(
                    at("max_duration_mins"),
                    format!("`{raw}` is not a whole number of minutes"),
                );
                None
            }
        },
        None => body.max_duration_mins,
    };
    // A row with a bad schedule is still checked whole, so every problem is reported.
    let scheduled_for = if errors.0.len() > before {
        None
    } else {
        match schedule::due_at(&own, tz, now) {
            Ok(Some(due)) => Some(due),
            Ok(None) => {
                let due = schedule::staggered(now, *turn, interval);
                *turn += 1;
                Some(due)
            }
            Err(message) => {
                errors.push(at("scheduled_time"), message);
                None
            }
        }
    };
    DialItem {
        number_id: body.number_id.clone(),
        phone_number,
        use_case_id: body.use_case_id.clone(),
        assistant_id: body.assistant_id.clone(),
        agent_id: body.agent_id.clone(),
        prompt_id: body.prompt_id.clone(),
        model_id: body.model_id.clone(),
        language: body.language.clone(),
        params: if row.is_empty() {
            None
        } else {
            Some(Value::Object(row))
        },
        metadata: None,
        campaign_id: Some(campaign_id.to_string()),
        scheduled_for,
        max_duration_mins,
        tags: None,
        wait_until_awake: None,
    }
}
