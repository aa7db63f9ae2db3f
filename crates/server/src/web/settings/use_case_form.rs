//! The use case form's fields, both ways: a stored use case laid out as the form posts it
//! (to edit it), and a posted form as the JSON body the API takes (`POST /use-cases`, and
//! the whole of it as a `PATCH`), so that the service checks it with the API's rules.
//! Lists that have no row of their own are text: one hook header (`Name: value`), keyword,
//! model or `language: message` a line, and a day's openings as `09:00-12:00, 13:00-17:00`.

use super::controls::{Posted, Rows, compact, given, lines, tick, ticked};
use serde_json::{Map, Value, json};
use switchyard_core::enums::FieldType;
use switchyard_core::use_case::{DEFAULT_MODEL, UseCase, WEEKDAYS};

/// The repeatable groups: (list, rows a new form shows).
pub const LISTS: [(&str, usize); 4] = [
    ("hooks", 2),
    ("extract_with_ai", 3),
    ("classification_tags", 3),
    ("sample_labels", 2),
];

/// How many rows each group has, in the order of [`LISTS`].
pub type ListRows = [Rows; 4];

/// Renumbers every group's rows (see [`compact`]); `add` names the group that gets one
/// more.
pub fn compact_all(posted: &mut Posted, add: Option<&str>) -> ListRows {
    LISTS.map(|(list, min)| compact(posted, list, min, add == Some(list)))
}

/// A new use case's form: the API's defaults.
pub fn blank() -> Posted {
    let mut posted = Posted::new();
    posted.insert("language".to_owned(), "en-US".to_owned());
    posted.insert("model".to_owned(), DEFAULT_MODEL.to_owned());
    posted
}

/// A stored use case as its form would post it.
pub fn from_stored(u: &UseCase) -> Posted {
    let mut p = Posted::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            p.insert(name.to_owned(), value);
        }
    };
    put("name", Some(u.name.clone()));
    put("transfer_number", u.transfer_number.clone());
    put("language", Some(u.language.to_string()));
    put("model", Some(u.model.clone()));
    put(
        "default_prompt_id",
        u.default_prompt_id.map(|id| id.to_string()),
    );
    put(
        "max_duration_mins",
        u.max_duration_mins.map(|m| m.to_string()),
    );
    put("timezone", u.timezone.clone());
    put("work_start", u.work_start.clone());
    put("work_end", u.work_end.clone());
    put(
        "generic_after_hours_message",
        u.generic_after_hours_message.clone(),
    );
    put("amd_behavior", u.amd_behavior.map(|b| b.to_string()));
    put(
        "recorded_message_inbound",
        u.recorded_message_inbound.clone(),
    );
    put(
        "recorded_message_outbound",
        u.recorded_message_outbound.clone(),
    );
    put(
        "disable_end_call_after_n_reminders",
        u.disable_end_call_after_n_reminders.map(|n| n.to_string()),
    );
    put("keywords", Some(u.keywords.join("\n")));
    put("evaluation_models", Some(u.evaluation_models.join("\n")));
    put(
        "params",
        u.params
            .as_ref()
            .and_then(|v| serde_json::to_string_pretty(v).ok()),
    );
    put(
        "amd_messages",
        Some(
            u.amd_messages
                .iter()
                .map(|(language, message)| format!("{language}: {message}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    );
    for (day, windows) in u.detailed_work_hours.iter().flatten() {
        let text = windows
            .iter()
            .map(|w| format!("{}-{}", w.start, w.end))
            .collect::<Vec<_>>()
            .join(", ");
        put(&format!("detailed_work_hours.{day}"), Some(text));
    }
    for (i, hook) in u.hooks.iter().enumerate() {
        put(&format!("hooks[{i}].url"), Some(hook.url.clone()));
        let headers = hook
            .headers
            .iter()
            .map(|h| format!("{}: {}", h.key, h.value));
        put(
            &format!("hooks[{i}].headers"),
            Some(headers.collect::<Vec<_>>().join("\n")),
        );
    }
    for (i, f) in u.extract_with_ai.iter().enumerate() {
        put(&format!("extract_with_ai[{i}].name"), Some(f.name.clone()));
        put(
            &format!("extract_with_ai[{i}].type"),
            Some(f.field_type.to_string()),
        );
        put(
            &format!("extract_with_ai[{i}].description"),
            Some(f.description.clone()),
        );
        let example = f.example.as_ref().map(|e| match e {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        });
        put(&format!("extract_with_ai[{i}].example"), example);
    }
    for (i, t) in u.classification_tags.iter().enumerate() {
        put(
            &format!("classification_tags[{i}].name"),
            Some(t.name.clone()),
        );
        put(
            &format!("classification_tags[{i}].description"),
            Some(t.description.clone()),
        );
    }
    for (i, l) in u.sample_labels.iter().enumerate() {
        put(&format!("sample_labels[{i}].name"), Some(l.name.clone()));
        put(&format!("sample_labels[{i}].color"), Some(l.color.clone()));
    }
    for (i, f) in u.extract_with_ai.iter().enumerate() {
        tick(
            &mut p,
            &format!("extract_with_ai[{i}].required"),
            f.required,
        );
    }
    for (name, on) in [
        ("enable_detailed_work_hours", u.enable_detailed_work_hours),
        ("amd", u.amd),
        ("hidden", u.hidden),
        ("show_original_caller_id", u.show_original_caller_id),
    ] {
        tick(&mut p, name, on);
    }
    p
}

/// The form as the API's use case body. Text the API reads as a number or an object is
/// passed on as typed when it cannot be read, so that the API's rules say what is wrong
/// with it.
pub fn to_json(p: &Posted, rows: &ListRows) -> Map<String, Value> {
    let text = |name: &str| given(p, name).map_or(Value::Null, Value::String);
    let number = |name: &str| match given(p, name) {
        Some(raw) => raw.parse::<i64>().map_or(Value::String(raw), Value::from),
        None => Value::Null,
    };
    let params = given(p, "params").map_or(Value::Null, |raw| {
        serde_json::from_str(&raw).unwrap_or(Value::String(raw))
    });
    let amd_messages: Map<String, Value> = lines(p, "amd_messages")
        .iter()
        .map(|line| {
            let (language, message) = line.split_once(':').unwrap_or((line, ""));
            (language.trim().to_owned(), json!(message.trim()))
        })
        .collect();
    let row = |list: &str, i: usize, part: &str| {
        p.get(&format!("{list}[{i}].{part}"))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let [hooks, fields, tags, labels] = rows.map(|r| 0..r.filled);
    let hooks: Vec<Value> = hooks
        .map(|i| {
            let headers: Vec<Value> = lines(p, &format!("hooks[{i}].headers"))
                .iter()
                .map(|line| {
                    let (key, value) = line.split_once(':').unwrap_or((line, ""));
                    json!({"key": key.trim(), "value": value.trim()})
                })
                .collect();
            json!({"url": row("hooks", i, "url"), "headers": headers})
        })
        .collect();
    let fields: Vec<Value> = fields
        .map(|i| {
            let field_type = row("extract_with_ai", i, "type");
            json!({
                "name": row("extract_with_ai", i, "name"),
                "type": if field_type.is_empty() { Value::Null } else { json!(field_type) },
                "description": row("extract_with_ai", i, "description"),
                "example": example(&field_type, &row("extract_with_ai", i, "example")),
                "required": ticked(p, &format!("extract_with_ai[{i}].required")),
            })
        })
        .collect();
    let pair = |list: &str, i: usize, second: &str| json!({"name": row(list, i, "name"), second: row(list, i, second)});
    [
        (
            "name",
            json!(p.get("name").map(|n| n.trim()).unwrap_or_default()),
        ),
        ("transfer_number", text("transfer_number")),
        ("language", text("language")),
        ("model", text("model")),
        ("default_prompt_id", text("default_prompt_id")),
        ("max_duration_mins", number("max_duration_mins")),
        ("hidden", json!(ticked(p, "hidden"))),
        ("hooks", json!(hooks)),
        ("timezone", text("timezone")),
        ("work_start", text("work_start")),
        ("work_end", text("work_end")),
        (
            "generic_after_hours_message",
            text("generic_after_hours_message"),
        ),
        (
            "enable_detailed_work_hours",
            json!(ticked(p, "enable_detailed_work_hours")),
        ),
        ("detailed_work_hours", detailed_hours(p)),
        ("amd", json!(ticked(p, "amd"))),
        ("amd_behavior", text("amd_behavior")),
        ("amd_messages", json!(amd_messages)),
        ("extract_with_ai", json!(fields)),
        (
            "classification_tags",
            json!(
                tags.map(|i| pair("classification_tags", i, "description"))
                    .collect::<Vec<_>>()
            ),
        ),
        (
            "sample_labels",
            json!(
                labels
                    .map(|i| pair("sample_labels", i, "color"))
                    .collect::<Vec<_>>()
            ),
        ),
        ("keywords", json!(lines(p, "keywords"))),
        ("evaluation_models", json!(lines(p, "evaluation_models"))),
        ("params", params),
        ("recorded_message_inbound", text("recorded_message_inbound")),
        (
            "recorded_message_outbound",
            text("recorded_message_outbound"),
        ),
        (
            "show_original_caller_id",
            json!(ticked(p, "show_original_caller_id")),
        ),
        (
            "disable_end_call_after_n_reminders",
            number("disable_end_call_after_n_reminders"),
        ),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect()
}

/// Days with openings; `null` when no day has any and detailed hours are off (with them
/// on, a week without openings is closed every day).
fn detailed_hours(p: &Posted) -> Value {
    let days: Map<String, Value> = WEEKDAYS
        .iter()
        .filter_map(|day| {
            let text = given(p, &format!("detailed_work_hours.{day}"))?;
            let windows: Vec<Value> = text
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let (start, end) = w.split_once('-').unwrap_or((w, ""));
                    json!({"start": start.trim(), "end": end.trim()})
                })
                .collect();
            Some(((*day).to_owned(), Value::Array(windows)))
        })
        .collect();
    if days.is_empty() && !ticked(p, "enable_detailed_work_hours") {
        Value::Null
    } else {
        Value::Object(days)
    }
}

/// An example as typed: text for text and date fields, else the JSON it reads as (a
/// number, `true`), else the text.
fn example(field_type: &str, raw: &str) -> Value {
    if raw.is_empty() {
        return Value::Null;
    }
    let textual = matches!(
        field_type.parse::<FieldType>(),
        Ok(FieldType::String | FieldType::Date) | Err(_)
    );
    if textual {
        return json!(raw);
    }
    serde_json::from_str(raw).unwrap_or_else(|_| json!(raw))
}
