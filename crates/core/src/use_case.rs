//! Use cases (contract §6): what an agent is for, when it may call, and whom to notify.

use crate::enums::{AmdBehavior, FieldType, Language};
use crate::{Id, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The keys of `detailed_work_hours`, Monday first (chrono's `num_days_from_monday` order).
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The model a use case runs on when none is chosen.
pub const DEFAULT_MODEL: &str = "gpt-4o";

/// Every key is always present on the wire; unset optional values are `null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UseCase {
    pub id: Id,
    pub organization_id: Id,
    pub name: String,
    pub transfer_number: Option<String>,
    pub extract_with_ai: Vec<ExtractField>,
    pub classification_tags: Vec<ClassificationTag>,
    pub language: Language,
    pub detailed_work_hours: Option<BTreeMap<String, Vec<WorkWindow>>>,
    pub work_start: Option<String>,
    pub work_end: Option<String>,
    pub timezone: Option<String>,
    pub generic_after_hours_message: Option<String>,
    pub enable_detailed_work_hours: bool,
    pub keywords: Vec<String>,
    pub hooks: Vec<Hook>,
    pub params: Option<Value>,
    pub amd: bool,
    pub amd_behavior: Option<AmdBehavior>,
    pub amd_messages: BTreeMap<String, String>,
    pub sample_labels: Vec<SampleLabel>,
    pub hidden: bool,
    pub evaluation_models: Vec<String>,
    pub max_duration_mins: Option<u32>,
    pub recorded_message_inbound: Option<String>,
    pub recorded_message_outbound: Option<String>,
    pub show_original_caller_id: bool,
    pub disable_end_call_after_n_reminders: Option<u32>,
    pub model: String,
    /// (extension) When the use case was created.
    pub created_at: Timestamp,
}

impl UseCase {
    /// A use case with only a name: no hours, hooks, fields or tags, the default model.
    pub fn new(
        id: Id,
        organization_id: Id,
        name: impl Into<String>,
        created_at: Timestamp,
    ) -> UseCase {
        UseCase {
            id,
            organization_id,
            name: name.into(),
            transfer_number: None,
            extract_with_ai: Vec::new(),
            classification_tags: Vec::new(),
            language: Language::default(),
            detailed_work_hours: None,
            work_start: None,
            work_end: None,
            timezone: None,
            generic_after_hours_message: None,
            enable_detailed_work_hours: false,
            keywords: Vec::new(),
            hooks: Vec::new(),
            params: None,
            amd: false,
            amd_behavior: None,
            amd_messages: BTreeMap::new(),
            sample_labels: Vec::new(),
            hidden: false,
            evaluation_models: Vec::new(),
            max_duration_mins: None,
            recorded_message_inbound: None,
            recorded_message_outbound: None,
            show_original_caller_id: false,
            disable_end_call_after_n_reminders: None,
            model: DEFAULT_MODEL.to_owned(),
            created_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExtractField {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub example: Option<Value>,
    #[serde(default)]
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationTag {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// One opening of a day in `detailed_work_hours`, `HH:MM` to `HH:MM` local time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkWindow {
    pub start: String,
    pub end: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub url: String,
    #[serde(default)]
    pub headers: Vec<HookHeader>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookHeader {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleLabel {
    pub name: String,
    #[serde(default)]
    pub color: String,
}
