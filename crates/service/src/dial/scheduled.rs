//! `POST /dial/scheduled`: a campaign of calls from a `calls` list or a base64 CSV, each
//! due at its own local date and time or staggered from now, with retry rules kept on the
//! campaign for the engine.

use super::MAX_CALLS_PER_REQUEST;
use super::context::DialContext;
use super::idempotency::{self, Replay};
use super::item::DialItem;
use super::schedule::{self, LocalSchedule};
use crate::auth::Caller;
use crate::calls::query::MAX_LIMIT;
use crate::json::parse_json;
use crate::validate::{self, Errors};
use crate::{ServiceError, ServiceResult, Services};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchyard_core::call::Call;
use switchyard_core::call_query::{CallFilter, CallQuery};
use switchyard_core::campaign::{Campaign, RetryRule};
use switchyard_core::enums::{Language, Role, SortOrder};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::{AgentId, CampaignId, Id, NumberId, UseCaseId};

/// A campaign: the fields of a dial request shared by every call, and one row per call.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CampaignIn {
    /// One of the organization's numbers, to call from.
    #[schema(value_type = NumberId, required = true)]
    number_id: Option<String>,
    /// Default: the number's use case.
    #[schema(value_type = Option<UseCaseId>)]
    use_case_id: Option<String>,
    /// Deprecated name of `use_case_id`.
    #[schema(value_type = Option<UseCaseId>, deprecated)]
    assistant_id: Option<String>,
    #[schema(value_type = Option<AgentId>)]
    agent_id: Option<String>,
    prompt_id: Option<String>,
    model_id: Option<String>,
    #[schema(value_type = Option<Language>)]
    language: Option<String>,
    /// Each call's cap, 1 to 240 minutes, unless its row sets its own.
    #[schema(minimum = 1, maximum = 240)]
    max_duration_mins: Option<i64>,
    campaign_name: Option<String>,
    /// 1 to 10,000 rows; required unless `csv_file` is given.
    #[schema(schema_with = campaign_rows)]
    calls: Option<Vec<Map<String, Value>>>,
    /// A base64 CSV with a `phone_number` column (other columns are prompt params), read
    /// when `calls` is absent.
    csv_file: Option<String>,
    /// Rows without a date or time of their own are due now plus their turn times this;
    /// at most 10,080 (a week).
    #[schema(maximum = 10080)]
    staggered_interval_minutes: Option<u32>,
    /// Redial calls that end in the listed statuses.
    #[serde(default)]
    retry_logic: Vec<RetryRuleIn>,
    /// At most 10 (default 1 with `retry_logic`, else 0).
    #[schema(maximum = 10)]
    max_retries: Option<u32>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RetryRuleIn {
    /// Comma-separated final statuses other than `Completed`, e.g. `"Busy,No answer"`.
    query: String,
    /// Minutes to wait before the retry, from 1 to 10,080 (a week).
    #[schema(minimum = 1, maximum = 10080)]
    retry_period: u32,
    /// At least 1 (default 1).
    #[schema(minimum = 1)]
    max_retry_per_day: Option<u32>,
}

/// A row of `calls`: any key other than these is a prompt param.
fn campaign_rows() -> utoipa::openapi::Array {
    use utoipa::openapi::{ObjectBuilder, Type};
    let text = |description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
    };
    let row = ObjectBuilder::new()
        .property(
            "phone_number",
            text("The number to call, E.164").pattern(Some(r"^\+[0-9]{8,15}$")),
        )
        .required("phone_number")
        .property(
            "scheduled_date",
            text("`YYYY-MM-DD`, in the row's time zone"),
        )
        .property(
            "scheduled_time",
            text("`HH:MM:SS` or `HH:MM`, in the row's time zone"),
        )
        .property(
            "timezone",
            text("An IANA time zone; default: the use case's, else UTC"),
        )
        .property(
            "max_duration_mins",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::Integer,
                    Type::String,
                ]))
                .description(Some("The call's own cap in minutes, 1 to 240")),
        )
        .additional_properties(Some(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(true),
        ));
    utoipa::openapi::ArrayBuilder::new().items(row).build()
}

/// What a campaign created.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CampaignOut<'a> {
    #[serde(rename = "createdCalls")]
    #[schema(value_type = Vec<Call>)]
    created_calls: &'a [Call],
    campaign_id: CampaignId,
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
/// The longest stagger between rows and wait before a retry, in minutes (a week): every
/// due time stays a date a campaign can mean, however many rows it has.
const MAX_WAIT_MINUTES: u32 = 10_080;

/// Schedules a campaign (`body`: its JSON): each row due at its own local date and time,
/// or staggered from now; retry rules kept for the engine. Answers
/// `{createdCalls, campaign_id}` as JSON, or the stored answer to the same request under
/// the same `Idempotency-Key`.
pub async fn campaign(
    services: &Services,
    caller: &Caller,
    body: &[u8],
    idempotency_key: Option<&str>,
) -> ServiceResult<String> {
    caller.require(Role::Representative)?;
    let campaign_in: CampaignIn = parse_json(body)?;
    let key = match idempotency::check(services, caller, idempotency_key, "scheduled", body).await?
    {
        Replay::Stored(answer) => return Ok(answer),
        Replay::Proceed(key) => key,
    };
    let (campaign, calls) = prepare(services, caller, &campaign_in).await?;
    let answer = serde_json::to_string(&CampaignOut {
        created_calls: &calls,
        campaign_id: campaign.id,
    })
    .map_err(ServiceError::internal)?;
    idempotency::commit(services, caller, &calls, Some(&campaign), key, answer).await
}

/// Checks a campaign and builds it with its calls, storing nothing (the API, and the
/// review app's CSV campaigns); every bad field or row is reported at once.
pub async fn prepare(
    services: &Services,
    caller: &Caller,
    body: &CampaignIn,
) -> ServiceResult<(Campaign, Vec<Call>)> {
    caller.require(Role::Representative)?;
    let now = services.clock.now_for(caller.organization_id);
    let context = DialContext::for_dial(
        services,
        caller.organization_id,
        now,
        [body.prompt_id.as_deref()],
    )
    .await?;
    let mut errors = Errors::default();
    let rows = rows(body, &mut errors);
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
    let fallback_tz = campaign_timezone(body, &context);
    let interval = body.staggered_interval_minutes.unwrap_or(0);
    if interval > MAX_WAIT_MINUTES {
        errors.push(
            "staggered_interval_minutes",
            format!("must be at most {MAX_WAIT_MINUTES} (a week)"),
        );
    }
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
            body,
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
    Ok((campaign, calls))
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

pub fn csv_rows(encoded: &str) -> Result<Vec<Map<String, Value>>, String> {
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
        if !(1..=MAX_WAIT_MINUTES).contains(&rule.retry_period) {
            errors.push(
                field("retry_period"),
                format!("must be from 1 to {MAX_WAIT_MINUTES} minutes (a week)"),
            );
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
        .and_then(|raw| raw.parse::<UseCaseId>().ok())
        .or_else(|| {
            let number = body.number_id.as_deref()?.parse::<NumberId>().ok()?;
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
    campaign_id: CampaignId,
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
                    .map_err(|m| crate::FieldError::new(at("scheduled_date"), m)),
            )
        }),
        time: time.and_then(|t| {
            errors.check(
                schedule::parse_time(&t)
                    .map_err(|m| crate::FieldError::new(at("scheduled_time"), m)),
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

/// A campaign and its calls so far, oldest first (the review app's progress page).
pub async fn campaign_calls(
    services: &Services,
    caller: &Caller,
    id: CampaignId,
) -> ServiceResult<(Campaign, Vec<Call>)> {
    let org = caller.organization_id;
    let campaign = services.store.get_campaign(org, id).await?;
    let query = CallQuery {
        filter: CallFilter {
            campaigns: vec![id],
            ..CallFilter::default()
        },
        sort: SortOrder::Asc,
        limit: MAX_LIMIT,
        skip: 0,
        after: None,
    };
    let calls = services.store.list_calls(org, &query).await?.calls;
    Ok((campaign, calls))
}
