//! The use case form's controls, from the posted (or stored) fields and the API's errors:
//! what `settings_use_case.html` lays out.

use super::controls::{Controls, Field, Rows};
use super::use_case_form::ListRows;
use switchyard_core::use_case::WEEKDAYS;

pub struct UseCaseFields {
    pub name: Field,
    pub transfer_number: Field,
    pub language: Field,
    pub model: Field,
    pub default_prompt_id: Field,
    pub max_duration_mins: Field,
    pub hidden: Field,
    pub hooks: Vec<HookRow>,
    pub timezone: Field,
    pub work_start: Field,
    pub work_end: Field,
    pub generic_after_hours_message: Field,
    pub enable_detailed_work_hours: Field,
    pub days: Vec<Day>,
    pub amd: Field,
    pub amd_behavior: Field,
    pub amd_messages: Field,
    pub extract: Vec<ExtractRow>,
    pub tags: Vec<PairRow>,
    pub labels: Vec<PairRow>,
    pub keywords: Field,
    pub evaluation_models: Field,
    pub params: Field,
    pub recorded_message_inbound: Field,
    pub recorded_message_outbound: Field,
    pub show_original_caller_id: Field,
    pub disable_end_call_after_n_reminders: Field,
}

/// A row's number as people count (1, 2, ...), for its labels.
pub struct HookRow {
    pub n: usize,
    pub url: Field,
    pub headers: Field,
}

pub struct ExtractRow {
    pub n: usize,
    pub name: Field,
    pub field_type: Field,
    pub description: Field,
    pub example: Field,
    pub required: Field,
}

/// A classification tag (name, description) or a sample label (name, color).
pub struct PairRow {
    pub n: usize,
    pub name: Field,
    pub second: Field,
}

pub struct Day {
    pub label: String,
    pub field: Field,
}

impl UseCaseFields {
    pub fn new(c: &Controls<'_>, rows: &ListRows) -> UseCaseFields {
        let [hooks, extract, tags, labels] = *rows;
        let pairs = |list: &str, second: &str, rows: Rows| {
            rows.indices()
                .map(|i| PairRow {
                    n: i + 1,
                    name: c.field(&format!("{list}[{i}].name")),
                    second: c.field(&format!("{list}[{i}].{second}")),
                })
                .collect()
        };
        UseCaseFields {
            name: c.field("name"),
            transfer_number: c.field("transfer_number"),
            language: c.field("language"),
            model: c.field("model"),
            default_prompt_id: c.field("default_prompt_id"),
            max_duration_mins: c.field("max_duration_mins"),
            hidden: c.field("hidden"),
            hooks: hooks
                .indices()
                .map(|i| HookRow {
                    n: i + 1,
                    url: c.field(&format!("hooks[{i}].url")),
                    headers: c.field(&format!("hooks[{i}].headers")),
                })
                .collect(),
            timezone: c.field("timezone"),
            work_start: c.field("work_start"),
            work_end: c.field("work_end"),
            generic_after_hours_message: c.field("generic_after_hours_message"),
            enable_detailed_work_hours: c.field("enable_detailed_work_hours"),
            days: WEEKDAYS
                .iter()
                .map(|day| Day {
                    label: capitalized(day),
                    field: c.field(&format!("detailed_work_hours.{day}")),
                })
                .collect(),
            amd: c.field("amd"),
            amd_behavior: c.field("amd_behavior"),
            amd_messages: c.field("amd_messages"),
            extract: extract
                .indices()
                .map(|i| {
                    let part = |p: &str| c.field(&format!("extract_with_ai[{i}].{p}"));
                    ExtractRow {
                        n: i + 1,
                        name: part("name"),
                        field_type: part("type"),
                        description: part("description"),
                        example: part("example"),
                        required: part("required"),
                    }
                })
                .collect(),
            tags: pairs("classification_tags", "description", tags),
            labels: pairs("sample_labels", "color", labels),
            keywords: c.field("keywords"),
            evaluation_models: c.field("evaluation_models"),
            params: c.field("params"),
            recorded_message_inbound: c.field("recorded_message_inbound"),
            recorded_message_outbound: c.field("recorded_message_outbound"),
            show_original_caller_id: c.field("show_original_caller_id"),
            disable_end_call_after_n_reminders: c.field("disable_end_call_after_n_reminders"),
        }
    }
}

fn capitalized(day: &str) -> String {
    let mut chars = day.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
