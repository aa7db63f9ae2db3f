//! Use cases (contract §6): what an agent is for, when it may call, and whom to notify.

use crate::Timestamp;
use crate::enums::{AmdBehavior, FieldType, Language};
use crate::id::{OrgId, PromptId, UseCaseId};
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UseCase {
    pub id: UseCaseId,
    pub organization_id: OrgId,
    pub name: String,
    /// E.164; where `+15550100005` calls are transferred.
    #[schema(required = true)]
    pub transfer_number: Option<String>,
    pub extract_with_ai: Vec<ExtractField>,
    pub classification_tags: Vec<ClassificationTag>,
    pub language: Language,
    /// Openings per lowercase weekday (`monday` ... `sunday`), local time.
    #[schema(required = true)]
    pub detailed_work_hours: Option<BTreeMap<String, Vec<WorkWindow>>>,
    /// `HH:MM`, local time; set together with `work_end`.
    #[schema(required = true)]
    pub work_start: Option<String>,
    /// `HH:MM`, later than `work_start`.
    #[schema(required = true)]
    pub work_end: Option<String>,
    /// An IANA time zone name such as `America/Chicago`.
    #[schema(required = true)]
    pub timezone: Option<String>,
    #[schema(required = true)]
    pub generic_after_hours_message: Option<String>,
    pub enable_detailed_work_hours: bool,
    pub keywords: Vec<String>,
    pub hooks: Vec<Hook>,
    /// Values for the prompt template: an object, or `null`.
    #[schema(value_type = Option<Object>, required = true)]
    pub params: Option<Value>,
    pub amd: bool,
    /// Required when `amd` is true.
    #[schema(required = true)]
    pub amd_behavior: Option<AmdBehavior>,
    /// Language (`en-US`, ...) to the message left on an answering machine.
    pub amd_messages: BTreeMap<String, String>,
    pub sample_labels: Vec<SampleLabel>,
    pub hidden: bool,
    pub evaluation_models: Vec<String>,
    /// 1 to 240; calls end after this long (default 10).
    #[schema(required = true, minimum = 1, maximum = 240)]
    pub max_duration_mins: Option<u32>,
    #[schema(required = true)]
    pub recorded_message_inbound: Option<String>,
    #[schema(required = true)]
    pub recorded_message_outbound: Option<String>,
    pub show_original_caller_id: bool,
    #[schema(required = true)]
    pub disable_end_call_after_n_reminders: Option<u32>,
    /// The AI model calls run on (default `gpt-4o`).
    pub model: String,
    /// (extension) The prompt calls run when neither the dial nor the number's
    /// `prompt_routes` choose one; absent: the built-in generic prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub default_prompt_id: Option<PromptId>,
    /// (extension) When the use case was created.
    pub created_at: Timestamp,
}

impl UseCase {
    /// A use case with only a name: no hours, hooks, fields or tags, the default model.
    pub fn new(
        id: UseCaseId,
        organization_id: OrgId,
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
            default_prompt_id: None,
            created_at,
        }
    }
}

/// A value the analysis extracts from the conversation into the call's `extraction`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExtractField {
    /// Unique within the use case: the key in `extraction`.
    pub name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub description: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Any JSON value, or `null`.
    #[serde(default)]
    #[schema(value_type = Value, required = true)]
    pub example: Option<Value>,
    #[serde(default)]
    #[schema(required = true)]
    pub required: bool,
}

/// Answers always carry every key; requests may leave out those with a default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClassificationTag {
    pub name: String,
    /// Default `""`.
    #[serde(default)]
    #[schema(required = true)]
    pub description: String,
}

/// One opening of a day in `detailed_work_hours`, `HH:MM` to `HH:MM` local time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkWindow {
    pub start: String,
    pub end: String,
}

/// Where the call's `start` and `end` webhooks go. Answers always carry every key;
/// requests may leave out `headers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hook {
    /// An absolute `http(s)` URL.
    pub url: String,
    /// Default `[]`.
    #[serde(default)]
    #[schema(required = true)]
    pub headers: Vec<HookHeader>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HookHeader {
    pub key: String,
    /// Shown only to Owners; others see `********`.
    pub value: String,
}

/// What a hidden credential reads as.
pub const MASK: &str = "********";

impl Hook {
    /// The hook without its credentials, as members other than Owners see it, and as a
    /// call keeps it in its snapshot of the use case (which Viewers read, and which goes to
    /// every hook in the webhook body): each header's value, and the URL's password and
    /// query values, read [`MASK`]. The URL's host and path stay, so the hook is
    /// recognisable.
    pub fn masked(&self) -> Hook {
        Hook {
            url: masked_url(&self.url),
            headers: self
                .headers
                .iter()
                .map(|header| HookHeader {
                    key: header.key.clone(),
                    value: MASK.to_owned(),
                })
                .collect(),
        }
    }
}

/// `url` with its password and every query value masked (tokens often travel there); a URL
/// that does not parse is masked whole.
pub fn masked_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return MASK.to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some(MASK));
    }
    if parsed.query().is_some() {
        let keys: Vec<String> = parsed
            .query_pairs()
            .map(|(key, _)| key.into_owned())
            .collect();
        parsed
            .query_pairs_mut()
            .clear()
            .extend_pairs(keys.iter().map(|key| (key.as_str(), MASK)));
    }
    parsed.into()
}

impl UseCase {
    /// The use case with every hook [masked](Hook::masked).
    pub fn with_hooks_masked(mut self) -> UseCase {
        self.hooks = self.hooks.iter().map(Hook::masked).collect();
        self
    }
}

/// Answers always carry every key; requests may leave out `color`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SampleLabel {
    pub name: String,
    /// Default `""`.
    #[serde(default)]
    #[schema(required = true)]
    pub color: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_hooks_keep_their_shape_and_lose_their_credentials() {
        let hook = Hook {
            url: "https://bot:s3cret@hooks.example.com/in?token=abc&team=7#x".to_owned(),
            headers: vec![HookHeader {
                key: "Authorization".to_owned(),
                value: "Bearer abc".to_owned(),
            }],
        };
        let masked = hook.masked();
        assert_eq!(
            masked.url,
            "https://bot:********@hooks.example.com/in?token=********&team=********#x"
        );
        assert_eq!(masked.headers[0].key, "Authorization");
        assert_eq!(masked.headers[0].value, MASK);
        assert!(!format!("{masked:?}").contains("abc"));
        assert!(!format!("{masked:?}").contains("s3cret"));
        assert_eq!(masked_url("not a url"), MASK);
        let plain = "https://hooks.example.com/in";
        assert_eq!(masked_url(plain), plain);
    }
}
