//! The use case request body and its parse into a [`UseCase`]. POST reads it as sent; PATCH
//! reads the stored use case with the patch's keys laid over it, so both go through the same
//! rules. Enums are read as strings and checked here so that one response names every bad
//! field, not only the first one serde trips over.

use super::{hooks, schedule};
use crate::ServiceError;
use crate::nullable::null_as_default;
use crate::validate::{self, Errors};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use switchyard_core::enums::{AmdBehavior, FieldType, Language};
use switchyard_core::phone::PhoneNumber;
use switchyard_core::use_case::{
    ClassificationTag, DEFAULT_MODEL, ExtractField, Hook, SampleLabel, UseCase, WorkWindow,
};
use switchyard_core::{OrgId, PromptId, Timestamp, UseCaseId};

const MAX_NAME_CHARS: usize = 100;
const MAX_DURATION_MINS: std::ops::RangeInclusive<i64> = 1..=240;

/// A use case as clients send it. Every key but `name` may be left out; lists and flags
/// read `null` as empty and false, and `""` reads as unset for optional text settings.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UseCaseIn {
    /// 1 to 100 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    name: Option<String>,
    /// E.164; where `+15550100005` calls are transferred.
    transfer_number: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    extract_with_ai: Vec<ExtractFieldIn>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    classification_tags: Vec<ClassificationTag>,
    /// Default `en-US`.
    #[schema(value_type = Option<Language>)]
    language: Option<String>,
    /// Openings per lowercase weekday (`monday` ... `sunday`), `HH:MM` local time.
    detailed_work_hours: Option<BTreeMap<String, Vec<WorkWindow>>>,
    /// `HH:MM`, local time; give both or neither.
    work_start: Option<String>,
    /// `HH:MM`, later than `work_start`.
    work_end: Option<String>,
    /// An IANA time zone name such as `America/Chicago`.
    timezone: Option<String>,
    generic_after_hours_message: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    enable_detailed_work_hours: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    keywords: Vec<String>,
    /// At most 10. Each an absolute `http(s)` URL (at most 2048 bytes) that resolves to a
    /// public address when saved (unless the server allows private destinations), with at
    /// most 20 valid headers (names up to 256 bytes, values up to 4096).
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable, max_items = 10)]
    hooks: Vec<Hook>,
    /// Values for the prompt template: an object, or `null`.
    #[schema(value_type = Option<Object>)]
    params: Option<Value>,
    /// Detect answering machines; needs `amd_behavior`.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    amd: bool,
    #[schema(value_type = Option<AmdBehavior>)]
    amd_behavior: Option<String>,
    /// Language (`en-US`, ...) to the message left on an answering machine.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    amd_messages: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    sample_labels: Vec<SampleLabel>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    hidden: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    evaluation_models: Vec<String>,
    /// 1 to 240.
    #[schema(minimum = 1, maximum = 240)]
    max_duration_mins: Option<i64>,
    recorded_message_inbound: Option<String>,
    recorded_message_outbound: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    show_original_caller_id: bool,
    disable_end_call_after_n_reminders: Option<u32>,
    /// 1 to 100 characters (default `gpt-4o`).
    #[schema(min_length = 1, max_length = 100)]
    model: Option<String>,
    /// (extension) One of the organization's prompts: the one calls run when neither the
    /// dial nor the number's `prompt_routes` choose one.
    #[schema(value_type = Option<PromptId>)]
    default_prompt_id: Option<String>,
}

/// A value to extract from the conversation.
#[derive(Deserialize, utoipa::ToSchema)]
struct ExtractFieldIn {
    /// Not empty, and unique within the use case.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(required = true, min_length = 1)]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    description: String,
    /// Default `string`.
    #[serde(rename = "type")]
    #[schema(value_type = Option<FieldType>)]
    field_type: Option<String>,
    /// Any JSON value.
    #[serde(default)]
    #[schema(value_type = Value)]
    example: Option<Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    required: bool,
}

/// The body of `PATCH /use-cases/{id}`: any keys of [`UseCaseIn`]. Those present replace the
/// stored values and the result is checked like a new use case.
pub struct UseCasePatch;

impl utoipa::PartialSchema for UseCasePatch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::Schema;
        let mut schema = UseCaseIn::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.required.clear();
            object.description = Some(
                "Any keys of a use case: those present replace the stored values (`null` clears a setting), and the result is checked like a new use case".to_owned(),
            );
        }
        schema
    }
}

impl utoipa::ToSchema for UseCasePatch {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <UseCaseIn as utoipa::ToSchema>::schemas(schemas);
    }
}

/// What a new use case keeps from where it came from: PATCH passes the stored values.
pub struct Identity {
    pub id: UseCaseId,
    pub organization_id: OrgId,
    pub created_at: Timestamp,
}

impl UseCaseIn {
    pub fn into_use_case(self, identity: Identity) -> Result<UseCase, ServiceError> {
        let mut errors = Errors::default();
        let name = match &self.name {
            Some(name) => errors.check(validate::text("name", name, 1, MAX_NAME_CHARS)),
            None => {
                errors.push("name", "is required");
                None
            }
        };
        let language = match blank_to_none(self.language) {
            Some(raw) => errors.check(raw.parse::<Language>().map_err(|e| field("language", e))),
            None => Some(Language::default()),
        };
        let transfer_number = blank_to_none(self.transfer_number)
            .and_then(|raw| {
                errors.check(PhoneNumber::parse(&raw).map_err(|e| field("transfer_number", e)))
            })
            .map(String::from);
        let amd_behavior = blank_to_none(self.amd_behavior).and_then(|raw| {
            errors.check(
                raw.parse::<AmdBehavior>()
                    .map_err(|e| field("amd_behavior", e)),
            )
        });
        if self.amd && amd_behavior.is_none() && !errors.0.iter().any(|e| e.field == "amd_behavior")
        {
            errors.push(
                "amd_behavior",
                "is required when `amd` is true: one of Hangup, Continue, Message",
            );
        }
        for key in self.amd_messages.keys() {
            errors.check(
                key.parse::<Language>()
                    .map_err(|e| field(&format!("amd_messages.{key}"), e)),
            );
        }
        if let Some(mins) = self
            .max_duration_mins
            .filter(|m| !MAX_DURATION_MINS.contains(m))
        {
            errors.push(
                "max_duration_mins",
                format!("must be 1 to 240 minutes (got {mins})"),
            );
        }
        if self.params.as_ref().is_some_and(|p| !p.is_object()) {
            errors.push("params", "must be an object of prompt values, or null");
        }
        let model = match self.model {
            Some(model) => errors.check(validate::text("model", &model, 1, MAX_NAME_CHARS)),
            None => Some(DEFAULT_MODEL.to_owned()),
        };
        let default_prompt_id = blank_to_none(self.default_prompt_id)
            .and_then(|raw| errors.check(validate::parse_field_id("default_prompt_id", &raw)));
        let extract_with_ai = extract_fields(self.extract_with_ai, &mut errors);
        for (i, tag) in self.classification_tags.iter().enumerate() {
            if tag.name.trim().is_empty() {
                errors.push(
                    format!("classification_tags[{i}].name"),
                    "must not be empty",
                );
            }
        }
        hooks::check_shape(&self.hooks, &mut errors);
        let hours = schedule::work_hours(
            blank_to_none(self.work_start),
            blank_to_none(self.work_end),
            blank_to_none(self.timezone),
            self.detailed_work_hours,
            &mut errors,
        );
        errors.finish()?;

        Ok(UseCase {
            id: identity.id,
            organization_id: identity.organization_id,
            name: name.unwrap_or_default(),
            transfer_number,
            extract_with_ai,
            classification_tags: self.classification_tags,
            language: language.unwrap_or_default(),
            detailed_work_hours: hours.detailed,
            work_start: hours.start,
            work_end: hours.end,
            timezone: hours.timezone,
            generic_after_hours_message: self.generic_after_hours_message,
            enable_detailed_work_hours: self.enable_detailed_work_hours,
            keywords: self.keywords,
            hooks: self.hooks,
            params: self.params,
            amd: self.amd,
            amd_behavior,
            amd_messages: self.amd_messages,
            sample_labels: self.sample_labels,
            hidden: self.hidden,
            evaluation_models: self.evaluation_models,
            max_duration_mins: self.max_duration_mins.and_then(|m| u32::try_from(m).ok()),
            recorded_message_inbound: self.recorded_message_inbound,
            recorded_message_outbound: self.recorded_message_outbound,
            show_original_caller_id: self.show_original_caller_id,
            disable_end_call_after_n_reminders: self.disable_end_call_after_n_reminders,
            model: model.unwrap_or_default(),
            default_prompt_id,
            created_at: identity.created_at,
        })
    }
}

/// Extraction field names become keys of a call's `extraction`, so they must be unique.
fn extract_fields(fields: Vec<ExtractFieldIn>, errors: &mut Errors) -> Vec<ExtractField> {
    let mut seen = HashSet::new();
    let mut parsed = Vec::with_capacity(fields.len());
    for (i, f) in fields.into_iter().enumerate() {
        let name = f.name.trim().to_owned();
        if name.is_empty() {
            errors.push(format!("extract_with_ai[{i}].name"), "must not be empty");
        } else if !seen.insert(name.clone()) {
            errors.push(
                format!("extract_with_ai[{i}].name"),
                format!("`{name}` is already an earlier field's name"),
            );
        }
        let field_type = match f.field_type {
            Some(raw) => errors.check(
                raw.parse::<FieldType>()
                    .map_err(|e| field(&format!("extract_with_ai[{i}].type"), e)),
            ),
            None => Some(FieldType::String),
        };
        if let Some(field_type) = field_type {
            parsed.push(ExtractField {
                name,
                description: f.description,
                field_type,
                example: f.example,
                required: f.required,
            });
        }
    }
    parsed
}

/// Legacy clients send `""` for an optional setting they leave unset.
fn blank_to_none(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn field(name: &str, error: impl std::fmt::Display) -> crate::FieldError {
    crate::FieldError::new(name, error.to_string())
}
