//! One call to dial: the body of `POST /dial/outbound`, an item of the batched array, or a
//! row of a campaign. Fields are read loosely and then checked one by one, so a request
//! learns about every bad field at once.

use super::context::DialContext;
use crate::validate::Errors;
use crate::validate::parse_field_id;
use rand::seq::IndexedRandom;
use serde::Deserialize;
use serde_json::Value;
use switchyard_core::call::{AgentRef, Call, CallMetadata, JsonObject};
use switchyard_core::enums::{CallType, Language, Provider};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::phone::PhoneNumber;
use switchyard_core::prompt::SCRIPTED_MODEL;
use switchyard_core::time::Timestamp;
use switchyard_core::{AgentId, CampaignId, Id, NumberId, PromptId, UseCaseId};

/// A call to place. Ids that are not the organization's are a `422` on their field.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DialItem {
    /// One of the organization's numbers, to call from.
    #[schema(value_type = NumberId, required = true)]
    pub number_id: Option<String>,
    /// The number to call, E.164: `+` and 8 to 15 digits.
    #[schema(value_type = String, required = true, pattern = r"^\+[0-9]{8,15}$", examples("+14155550123"))]
    pub phone_number: Option<String>,
    /// Default: the number's use case (one of the two is needed).
    #[schema(value_type = Option<UseCaseId>)]
    pub use_case_id: Option<String>,
    /// Deprecated name of `use_case_id`.
    #[schema(value_type = Option<UseCaseId>, deprecated)]
    pub assistant_id: Option<String>,
    /// Default: drawn from the number's `agent_routes`, else the organization's default agent.
    #[schema(value_type = Option<AgentId>)]
    pub agent_id: Option<String>,
    /// One of the organization's prompts. Default: drawn from the number's
    /// `prompt_routes`, else the use case's `default_prompt_id`, else none (the built-in
    /// generic prompt).
    #[schema(value_type = Option<PromptId>)]
    pub prompt_id: Option<String>,
    /// The model the call runs on; wins over the route's, the prompt's and the use case's.
    /// Without an OpenAI-compatible endpoint only `scripted` is accepted.
    pub model_id: Option<String>,
    /// Default: the use case's language.
    #[schema(value_type = Option<Language>)]
    pub language: Option<String>,
    /// Values for the prompt template: an object, or `null`.
    #[schema(value_type = Option<Object>)]
    pub params: Option<Value>,
    /// Kept on the call as `metadata.custom`: an object, or `null`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    #[schema(value_type = Option<CampaignId>)]
    pub campaign_id: Option<String>,
    /// When to place the call: absent or past is now (`Queued`), future is `Scheduled`.
    pub scheduled_for: Option<Timestamp>,
    /// The call's own cap, 1 to 240 minutes.
    #[schema(minimum = 1, maximum = 240)]
    pub max_duration_mins: Option<i64>,
    /// (extension) Tags of 1 to 100 characters, kept in `metadata.tags`.
    pub tags: Option<Vec<String>>,
    /// Wait in `Queued` while the AI backend is unavailable instead of failing.
    pub wait_until_awake: Option<bool>,
}

pub const MAX_DURATION_MINS: i64 = 240;

impl DialContext {
    /// Builds the call, or records why it cannot be made. `at` turns a field name into the
    /// path reported to the client (`phone_number`, `[3].phone_number`, ...).
    pub fn build_call(
        &self,
        item: DialItem,
        at: &dyn Fn(&str) -> String,
        errors: &mut Errors,
    ) -> Option<Call> {
        let before = errors.0.len();
        let number = match &item.number_id {
            None => {
                errors.push(
                    at("number_id"),
                    "required: the id of one of your numbers to call from",
                );
                None
            }
            Some(raw) => errors
                .check(parse_field_id(&at("number_id"), raw))
                .and_then(|id| {
                    let found = self.numbers.get(&id);
                    if found.is_none() {
                        errors.push(
                            at("number_id"),
                            format!("your organization has no number {id}"),
                        );
                    }
                    found
                }),
        };
        let phone = match &item.phone_number {
            None => {
                errors.push(at("phone_number"), "required: the E.164 number to call");
                None
            }
            Some(raw) => errors.check(
                PhoneNumber::parse(raw)
                    .map_err(|e| crate::FieldError::new(at("phone_number"), e.to_string())),
            ),
        };
        let use_case = self.pick_use_case(&item, number, at, errors);
        let agent = self.pick_agent(&item, number, at, errors);
        let given_prompt = item.prompt_id.as_deref().and_then(|raw| {
            let id = errors.check(parse_field_id(&at("prompt_id"), raw))?;
            let known = self.prompt_models.contains_key(&id);
            if !known {
                errors.push(
                    at("prompt_id"),
                    format!("your organization has no prompt {id}"),
                );
            }
            known.then_some(id)
        });
        if let Some(model) = &item.model_id
            && model != SCRIPTED_MODEL
            && !self.model_endpoint
        {
            errors.push(
                at("model_id"),
                format!(
                    "model `{model}` needs an OpenAI-compatible endpoint (`serve --openai-base-url`); without one only `{SCRIPTED_MODEL}` is available"
                ),
            );
        }
        let language = item.language.as_deref().and_then(|raw| {
            errors.check(
                raw.parse::<Language>()
                    .map_err(|e| crate::FieldError::new(at("language"), e.to_string())),
            )
        });
        let params = object_or_null(item.params, &at("params"), errors);
        let custom = object_or_null(item.metadata, &at("metadata"), errors);
        let campaign_id = item
            .campaign_id
            .as_deref()
            .and_then(|raw| errors.check(parse_field_id(&at("campaign_id"), raw)));
        let max_duration_mins = item.max_duration_mins.and_then(|mins| {
            if (1..=MAX_DURATION_MINS).contains(&mins) {
                Some(mins as u32)
            } else {
                errors.push(
                    at("max_duration_mins"),
                    format!("must be from 1 to {MAX_DURATION_MINS} minutes (got {mins})"),
                );
                None
            }
        });
        let tags = clean_tags(item.tags.unwrap_or_default(), &at("tags"), errors);
        if errors.0.len() > before {
            return None;
        }
        let (number, phone, mut use_case, agent) = (number?, phone?, use_case?, agent?);
        let (prompt_id, route_model) = match given_prompt {
            Some(id) => (Some(id), None),
            None => match self.draw_prompt_route(number) {
                Some((id, model)) => (Some(id), model),
                None => (
                    use_case
                        .default_prompt_id
                        .filter(|id| self.prompt_models.contains_key(id)),
                    None,
                ),
            },
        };
        let prompt_model = prompt_id.and_then(|id| self.prompt_models.get(&id).cloned().flatten());
        if let Some(model) = item.model_id.or(route_model).or(prompt_model) {
            use_case.model = model;
        }
        let scheduled_for = item.scheduled_for.filter(|at| *at > self.now);
        Some(Call {
            id: Id::new(self.now),
            organization_id: self.org,
            call_type: CallType::Outbound,
            status: if scheduled_for.is_some() {
                CallStatus::Scheduled
            } else {
                CallStatus::Queued
            },
            provider: Provider::Twilio,
            metadata: CallMetadata {
                call_sid: None,
                from: number.number.clone(),
                to: phone.as_str().to_owned(),
                recording_sid: None,
                tags,
                custom,
            },
            language: language.unwrap_or(use_case.language),
            use_case,
            agent: AgentRef {
                id: agent.id,
                name: agent.name.clone(),
            },
            created: self.now,
            viewed_by: Vec::new(),
            prompt_id: prompt_id.map(|id| id.to_string()),
            params,
            extraction: None,
            classification: None,
            duration: None,
            parent_call_id: None,
            notes: Vec::new(),
            samples: None,
            ratings: Vec::new(),
            scheduled_for,
            use_backup: None,
            wait_until_awake: item.wait_until_awake,
            campaign_id,
            max_duration_mins,
            transfer_contact_email: None,
            costs: None,
            end_reason: None,
            answered_by: None,
        })
    }

    fn pick_use_case(
        &self,
        item: &DialItem,
        number: Option<&switchyard_core::number::Number>,
        at: &dyn Fn(&str) -> String,
        errors: &mut Errors,
    ) -> Option<switchyard_core::use_case::UseCase> {
        let given = item.use_case_id.as_deref().or(item.assistant_id.as_deref());
        let id = match given {
            Some(raw) => errors.check(parse_field_id(&at("use_case_id"), raw))?,
            None => match number.map(|n| n.use_case_config.id) {
                Some(Some(id)) => id,
                Some(None) => {
                    errors.push(
                        at("use_case_id"),
                        "required: give use_case_id, or attach a use case to the number",
                    );
                    return None;
                }
                None => return None,
            },
        };
        let found = self.use_cases.get(&id).cloned();
        if found.is_none() {
            errors.push(
                at("use_case_id"),
                format!("your organization has no use case {id}"),
            );
        }
        found
    }

    fn pick_agent(
        &self,
        item: &DialItem,
        number: Option<&switchyard_core::number::Number>,
        at: &dyn Fn(&str) -> String,
        errors: &mut Errors,
    ) -> Option<&switchyard_core::agent::Agent> {
        if let Some(raw) = &item.agent_id {
            let id = errors.check(parse_field_id(&at("agent_id"), raw))?;
            let found = self.agents.get(&id);
            if found.is_none() {
                errors.push(
                    at("agent_id"),
                    format!("your organization has no agent {id}"),
                );
            }
            return found;
        }
        let routed = number.and_then(|n| {
            let live: Vec<_> = n
                .use_case_config
                .agent_routes
                .iter()
                .filter(|r| self.agents.contains_key(&r.id))
                .collect();
            live.choose_weighted(&mut rand::rng(), |r| r.probability)
                .ok()
                .map(|r| r.id)
        });
        Some(
            routed
                .and_then(|id| self.agents.get(&id))
                .unwrap_or(&self.default_agent),
        )
    }

    /// A prompt drawn from the number's `prompt_routes` by probability, with the route's
    /// model. Routes saved before they were checked may name no prompt of the organization:
    /// those are left out.
    fn draw_prompt_route(
        &self,
        number: &switchyard_core::number::Number,
    ) -> Option<(PromptId, Option<String>)> {
        let live: Vec<_> = number
            .use_case_config
            .prompt_routes
            .iter()
            .filter_map(|r| {
                let id: PromptId = r.prompt_id.parse().ok()?;
                self.prompt_models.contains_key(&id).then_some((id, r))
            })
            .collect();
        live.choose_weighted(&mut rand::rng(), |(_, r)| r.probability)
            .ok()
            .map(|(id, r)| (*id, r.model_id.clone()))
    }
}

fn object_or_null(value: Option<Value>, field: &str, errors: &mut Errors) -> Option<JsonObject> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map),
        Some(_) => {
            errors.push(field, "must be a JSON object or null");
            None
        }
    }
}

fn clean_tags(tags: Vec<String>, field: &str, errors: &mut Errors) -> Vec<String> {
    let mut clean: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_owned();
        if tag.is_empty() || tag.chars().count() > 100 {
            errors.push(field, "each tag must have 1 to 100 characters");
        } else if !clean.contains(&tag) {
            clean.push(tag);
        }
    }
    clean
}
