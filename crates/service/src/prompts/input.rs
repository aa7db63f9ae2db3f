//! What a client sends to create or change a prompt, and the checks it takes: the same
//! shape and destination checks as a use case's hooks for each tool.

use crate::nullable::{double_option, null_as_default};
use crate::use_cases::hooks;
use crate::validate::{self, Errors, parse_field_id};
use crate::{FieldError, ServiceError, Services};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use switchyard_core::prompt::{
    DEFAULT_TOOL_TIMEOUT_MS, MAX_TOOL_TIMEOUT_MS, Tool, ToolHeader, ToolMethod,
};
use switchyard_core::store::StoreError;
use switchyard_core::{OrgId, PromptId, UseCaseId};

pub(super) const MAX_NAME_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 100_000;
const MAX_FIRST_MESSAGE_CHARS: usize = 10_000;
const MAX_MODEL_CHARS: usize = 200;
/// Tools per prompt: each is described to the model on every turn.
const MAX_TOOLS: usize = 32;
const MAX_TOOL_NAME_CHARS: usize = 64;
const MAX_TOOL_DESCRIPTION_CHARS: usize = 2_000;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PromptIn {
    /// Chosen by the client (to mirror an id it uses elsewhere): 24 lowercase hexadecimal
    /// characters, unique in the organization. Default: a new id.
    #[schema(value_type = Option<String>, pattern = "^[0-9a-f]{24}$")]
    pub(super) id: Option<String>,
    /// 1 to 200 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub(super) name: Option<String>,
    /// The system prompt, 1 to 100,000 characters; `{{param}}` is replaced by the call's
    /// param of that name.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100000)]
    pub(super) text: Option<String>,
    /// What the agent says first, up to 10,000 characters; blank or `null`: the built-in
    /// greeting.
    #[schema(max_length = 10000)]
    pub(super) first_message: Option<String>,
    /// One of the organization's use cases.
    #[schema(value_type = Option<UseCaseId>)]
    pub(super) use_case_id: Option<String>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub(super) model_id: Option<String>,
    /// At most 32, with distinct names.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable, max_items = 32)]
    pub(super) tools: Vec<ToolIn>,
}

/// Absent keys leave the prompt as it is.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PromptPatch {
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub(super) name: Option<String>,
    /// 1 to 100,000 characters.
    #[schema(min_length = 1, max_length = 100000)]
    pub(super) text: Option<String>,
    /// `null` (or blank): the built-in greeting.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub(super) first_message: Option<Option<String>>,
    /// `null` detaches the prompt from its use case.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<UseCaseId>)]
    pub(super) use_case_id: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub(super) model_id: Option<Option<String>>,
    /// Replaces every tool; `null` removes them, like `[]`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<ToolIn>>, max_items = 32)]
    pub(super) tools: Option<Option<Vec<ToolIn>>>,
}

/// An HTTP endpoint the agent may call (see AGENT.md).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ToolIn {
    /// Letters, digits, `_` and `-`, 1 to 64; unique within the prompt.
    #[schema(value_type = String, required = true, pattern = "^[A-Za-z0-9_-]{1,64}$")]
    name: Option<String>,
    /// Up to 2,000 characters (default `""`).
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable, max_length = 2000)]
    description: String,
    /// A JSON Schema object: `{"type": "object", "properties": {..}, "required": [..]}`;
    /// `properties` defaults to `{}`, each `required` entry must be one of its keys.
    #[schema(value_type = Object, required = true)]
    parameters: Option<Value>,
    /// An absolute `http(s)` URL (at most 2048 bytes) that resolves to a public address
    /// when saved (unless the server allows private destinations).
    #[schema(value_type = String, required = true, max_length = 2048)]
    url: Option<String>,
    /// Default `POST`.
    #[schema(value_type = Option<ToolMethod>)]
    method: Option<String>,
    /// At most 20 (names up to 256 bytes, values up to 4096).
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable, max_items = 20)]
    headers: Vec<ToolHeader>,
    /// 1 to 30,000 (default 5,000).
    #[schema(minimum = 1, maximum = 30000)]
    timeout_ms: Option<i64>,
}

/// The organization's prompts, oldest first.
/// Ids are written lowercase everywhere; a client's id must already be.
pub(super) fn client_id(raw: &str) -> Result<PromptId, FieldError> {
    let lower_hex = raw.len() == 24 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !lower_hex {
        return Err(FieldError::new(
            "id",
            format!("`{raw}` is not an id: ids are 24 lowercase hexadecimal characters"),
        ));
    }
    parse_field_id("id", raw)
}

/// Kept as written (whitespace can matter to a model), but not blank.
pub(super) fn prompt_text(text: String) -> Result<String, FieldError> {
    let count = text.chars().count();
    if text.trim().is_empty() || count > MAX_TEXT_CHARS {
        return Err(FieldError::new(
            "text",
            format!("must be 1 to {MAX_TEXT_CHARS} characters long and not blank (got {count})"),
        ));
    }
    Ok(text)
}

/// Blank reads as unset, as for the use cases' optional texts.
pub(super) fn first_message(raw: Option<String>) -> Result<Option<String>, FieldError> {
    let Some(text) = raw.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let count = text.chars().count();
    if count > MAX_FIRST_MESSAGE_CHARS {
        return Err(FieldError::new(
            "first_message",
            format!("must be at most {MAX_FIRST_MESSAGE_CHARS} characters long (got {count})"),
        ));
    }
    Ok(Some(text))
}

pub(super) fn model(raw: &str) -> Result<String, FieldError> {
    validate::text("model_id", raw, 1, MAX_MODEL_CHARS)
}

pub(super) async fn use_case(
    services: &Services,
    org: OrgId,
    raw: &str,
    errors: &mut Errors,
) -> Result<Option<UseCaseId>, ServiceError> {
    let Some(id) = errors.check(parse_field_id("use_case_id", raw)) else {
        return Ok(None);
    };
    match services.store.get_use_case(org, id).await {
        Ok(_) => Ok(Some(id)),
        Err(StoreError::NotFound(_)) => {
            errors.push(
                "use_case_id",
                format!("your organization has no use case {id}"),
            );
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) fn tools(given: Vec<ToolIn>, errors: &mut Errors) -> Vec<Tool> {
    if given.len() > MAX_TOOLS {
        errors.push(
            "tools",
            format!("at most {MAX_TOOLS} tools per prompt (got {})", given.len()),
        );
        return Vec::new();
    }
    let mut names = HashSet::new();
    let mut parsed = Vec::with_capacity(given.len());
    for (i, tool) in given.into_iter().enumerate() {
        let at = |part: &str| format!("tools[{i}].{part}");
        let name = tool.name.unwrap_or_default();
        if !is_tool_name(&name) {
            errors.push(
                at("name"),
                format!("`{name}` is not a tool name: 1 to {MAX_TOOL_NAME_CHARS} letters, digits, `_` or `-`"),
            );
        } else if !names.insert(name.clone()) {
            errors.push(
                at("name"),
                format!("`{name}` is already an earlier tool's name"),
            );
        }
        let count = tool.description.chars().count();
        if count > MAX_TOOL_DESCRIPTION_CHARS {
            errors.push(
                at("description"),
                format!(
                    "must be at most {MAX_TOOL_DESCRIPTION_CHARS} characters long (got {count})"
                ),
            );
        }
        let parameters = parameters(&at("parameters"), tool.parameters, errors);
        let url = match tool.url {
            Some(url) => {
                hooks::check_url(&at("url"), &url, errors);
                url
            }
            None => {
                errors.push(at("url"), "is required: the http(s) URL the tool calls");
                String::new()
            }
        };
        let method = match tool.method.as_deref() {
            None | Some("POST") => ToolMethod::Post,
            Some("GET") => ToolMethod::Get,
            Some(other) => {
                errors.push(at("method"), format!("`{other}` is not POST or GET"));
                ToolMethod::Post
            }
        };
        if tool.headers.len() > hooks::MAX_HEADERS {
            errors.push(
                at("headers"),
                format!(
                    "at most {} headers per tool (got {})",
                    hooks::MAX_HEADERS,
                    tool.headers.len()
                ),
            );
        } else {
            for (j, header) in tool.headers.iter().enumerate() {
                let at = |part: &str| format!("tools[{i}].headers[{j}].{part}");
                hooks::check_header(&at, &header.key, &header.value, errors);
            }
        }
        let timeout_ms = match tool.timeout_ms {
            None => DEFAULT_TOOL_TIMEOUT_MS,
            Some(ms) => match u32::try_from(ms) {
                Ok(ms) if (1..=MAX_TOOL_TIMEOUT_MS).contains(&ms) => ms,
                _ => {
                    errors.push(
                        at("timeout_ms"),
                        format!("must be 1 to {MAX_TOOL_TIMEOUT_MS} milliseconds (got {ms})"),
                    );
                    DEFAULT_TOOL_TIMEOUT_MS
                }
            },
        };
        parsed.extend(parameters.map(|parameters| Tool {
            name,
            description: tool.description,
            parameters,
            url,
            method,
            headers: tool.headers,
            timeout_ms,
        }));
    }
    parsed
}

fn is_tool_name(name: &str) -> bool {
    (1..=MAX_TOOL_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The JSON Schema of a tool's arguments, as models take it: an object schema whose
/// `properties` (default `{}`) are schemas and whose `required` names some of them.
fn parameters(field: &str, value: Option<Value>, errors: &mut Errors) -> Option<Value> {
    let before = errors.0.len();
    let mut schema = match value {
        Some(Value::Object(schema)) => schema,
        None | Some(Value::Null) => {
            errors.push(
                field,
                "is required: a JSON Schema object like {\"type\": \"object\", \"properties\": {}}",
            );
            return None;
        }
        Some(_) => {
            errors.push(
                field,
                "must be a JSON Schema object like {\"type\": \"object\", \"properties\": {}}",
            );
            return None;
        }
    };
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        errors.push(field, "`type` must be \"object\"");
    }
    let properties = schema
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    let keys: HashSet<String> = match properties {
        Value::Object(properties) => {
            for (key, property) in properties.iter() {
                if !property.is_object() {
                    errors.push(
                        field,
                        format!(
                            "`properties.{key}` must be an object (the parameter's JSON Schema)"
                        ),
                    );
                }
            }
            properties.keys().cloned().collect()
        }
        _ => {
            errors.push(field, "`properties` must be an object");
            HashSet::new()
        }
    };
    match schema.get("required") {
        None => {}
        Some(Value::Array(required)) => {
            for name in required {
                match name.as_str() {
                    Some(name) if keys.contains(name) => {}
                    Some(name) => errors.push(
                        field,
                        format!("`required` names `{name}`, which is not in `properties`"),
                    ),
                    None => errors.push(field, "`required` must hold only strings"),
                }
            }
        }
        Some(_) => errors.push(field, "`required` must be an array of property names"),
    }
    (errors.0.len() == before).then_some(Value::Object(schema))
}

/// Every tool's URL must resolve, now, to an address the SSRF guard lets the server reach,
/// exactly as a hook's; a `422` names each one that does not.
pub(super) async fn check_destinations(
    services: &Services,
    tools: &[Tool],
) -> Result<(), ServiceError> {
    let mut refused = Vec::new();
    for (i, tool) in tools.iter().enumerate() {
        refused.extend(hooks::refusal(services, &format!("tools[{i}].url"), &tool.url).await);
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::invalid(refused))
    }
}
