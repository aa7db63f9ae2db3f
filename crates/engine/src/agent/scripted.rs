//! The `scripted` agent's choices: deterministic, no network. It calls each of the prompt's
//! tools once, in order, with arguments taken from the call's params, and quotes what the
//! tool answered.

use super::plain;
use serde_json::Value;
use switchyard_core::call::{Call, JsonObject};
use switchyard_core::prompt::Tool;

/// The arguments for `tool`: each property of its schema that the call has a param of;
/// a required property without one takes the schema's `example` (or first of `examples`)
/// or `default`. `Err` names a required property with none of these.
pub(crate) fn arguments(tool: &Tool, call: &Call) -> Result<JsonObject, String> {
    let empty = JsonObject::new();
    let properties = tool
        .parameters
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = tool
        .parameters
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let params = call.params.as_ref();
    let mut arguments = JsonObject::new();
    for (name, schema) in properties {
        let from_param = params.and_then(|p| p.get(name)).filter(|v| !v.is_null());
        let fallback = || {
            schema
                .get("example")
                .or_else(|| schema.get("examples").and_then(|e| e.get(0)))
                .or_else(|| schema.get("default"))
                .filter(|v| !v.is_null())
        };
        match from_param.or_else(|| required.contains(&name.as_str()).then(fallback).flatten()) {
            Some(value) => {
                arguments.insert(name.clone(), value.clone());
            }
            None if required.contains(&name.as_str()) => {
                return Err(format!(
                    "required property `{name}` has no param of that name, no example and no default"
                ));
            }
            None => {}
        }
    }
    Ok(arguments)
}

/// The facts of a tool's answer worth saying aloud: its top-level string and number
/// fields, as "key value" pairs; a text answer is said as it is.
pub(crate) fn facts(answer: &Value) -> Option<String> {
    let said = match answer {
        Value::Object(fields) => fields
            .iter()
            .filter(|(_, value)| value.is_string() || value.is_number())
            .map(|(key, value)| format!("{} {}", key.replace('_', " "), plain(value)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::String(text) => text.trim().chars().take(300).collect(),
        _ => String::new(),
    };
    (!said.is_empty()).then_some(said)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_call;
    use serde_json::json;
    use switchyard_core::prompt::ToolMethod;

    fn tool(parameters: Value) -> Tool {
        Tool {
            name: "find_load".into(),
            description: String::new(),
            parameters,
            url: "http://127.0.0.1:1/".into(),
            method: ToolMethod::Post,
            headers: Vec::new(),
            timeout_ms: 5000,
        }
    }

    #[test]
    fn arguments_come_from_params_then_examples_and_defaults() {
        let call = test_call("+14155550199");
        let schema = json!({
            "type": "object",
            "properties": {
                "load_id": {"type": "string"},
                "equipment": {"type": "string", "example": "dry van"},
                "mc_number": {"type": "string", "examples": ["MC-1"]},
                "max_weight": {"type": "number", "default": 40000},
                "notes": {"type": "string", "example": "optional, not sent"}
            },
            "required": ["load_id", "equipment", "mc_number", "max_weight"]
        });
        assert_eq!(
            Value::Object(arguments(&tool(schema), &call).unwrap()),
            json!({"load_id": "LD-1042", "equipment": "dry van", "mc_number": "MC-1", "max_weight": 40000})
        );
        let missing =
            json!({"type": "object", "properties": {"carrier": {}}, "required": ["carrier"]});
        let error = arguments(&tool(missing), &call).unwrap_err();
        assert!(error.contains("`carrier`"), "{error}");
    }

    #[test]
    fn facts_are_the_top_level_strings_and_numbers() {
        let answer = json!({"load_id": "LD-1042", "rate_usd": 1850, "stops": [1, 2], "ok": true});
        assert_eq!(
            facts(&answer).as_deref(),
            Some("load id LD-1042, rate usd 1850")
        );
        assert_eq!(
            facts(&json!("  plain text ")).as_deref(),
            Some("plain text")
        );
        assert_eq!(facts(&json!({"nested": {}})), None);
    }
}
