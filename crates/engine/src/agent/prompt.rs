//! The prompt a call runs, rendered with the call's params: `{{name}}` becomes the param
//! of that name. Calls without a prompt run a built-in generic one.

use super::plain;
use serde_json::Value;
use switchyard_core::call::Call;
use switchyard_core::enums::CallType;
use switchyard_core::prompt::{Prompt, Tool};

/// What the agent works from in one call.
pub(crate) struct RenderedPrompt {
    /// The system message.
    pub system: String,
    /// The agent's opening line; `None`: the built-in greeting (scripted) or the model's own.
    pub first_message: Option<String>,
    pub tools: Vec<Tool>,
    /// Params the templates named that the call does not have (rendered as "").
    pub missing: Vec<String>,
}

impl RenderedPrompt {
    pub(crate) fn of(prompt: &Prompt, call: &Call) -> RenderedPrompt {
        let mut missing = Vec::new();
        let system = render(&prompt.text, call, &mut missing);
        let first_message = prompt
            .first_message
            .as_deref()
            .map(|template| render(template, call, &mut missing));
        missing.dedup();
        RenderedPrompt {
            system,
            first_message,
            tools: prompt.tools.clone(),
            missing,
        }
    }

    /// The generic prompt of a call that names none: who the agent is, the call's
    /// direction, use case, language and params. It has no tools.
    pub(crate) fn built_in(call: &Call) -> RenderedPrompt {
        let direction = match call.call_type {
            CallType::Outbound => "an outbound",
            CallType::Inbound => "an inbound",
        };
        let params = match &call.params {
            Some(params) if !params.is_empty() => Value::Object(params.clone()).to_string(),
            _ => "none".to_owned(),
        };
        let system = format!(
            "You are {agent}, an AI voice agent working for a logistics company. This is \
             {direction} phone call for the use case \"{use_case}\". Speak {language}. Call \
             parameters: {params}. Greet the other party, confirm the details, answer \
             questions briefly, and transfer the call to a person when asked.",
            agent = call.agent.name,
            use_case = call.use_case.name,
            language = call.language,
        );
        RenderedPrompt {
            system,
            first_message: None,
            tools: Vec::new(),
            missing: Vec::new(),
        }
    }
}

/// `template` with every `{{name}}` replaced by the call's param `name` (surrounding spaces
/// inside the braces are allowed); an unknown name renders as "" and is added to `missing`.
fn render(template: &str, call: &Call, missing: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = rest[open + 2..open + 2 + close].trim();
        match call.params.as_ref().and_then(|params| params.get(name)) {
            Some(value) if !value.is_null() => out.push_str(&plain(value)),
            _ => {
                if !missing.iter().any(|m| m == name) {
                    missing.push(name.to_owned());
                }
            }
        }
        rest = &rest[open + 2 + close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_call;
    use serde_json::json;
    use switchyard_core::prompt::{Tool, ToolMethod};
    use switchyard_core::{Id, Timestamp};

    fn prompt(text: &str, first: Option<&str>) -> Prompt {
        let now = Timestamp::from_millis(0);
        Prompt {
            id: Id::new(now),
            organization_id: Id::new(now),
            name: "Carrier sales".into(),
            text: text.into(),
            first_message: first.map(str::to_owned),
            use_case_id: None,
            model_id: None,
            tools: vec![Tool {
                name: "find_load".into(),
                description: String::new(),
                parameters: json!({"type": "object"}),
                url: "http://127.0.0.1:1/".into(),
                method: ToolMethod::Post,
                headers: Vec::new(),
                timeout_ms: 5000,
            }],
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn params_fill_the_templates_and_missing_ones_are_listed_once() {
        let call = test_call("+14155550199");
        let rendered = RenderedPrompt::of(
            &prompt(
                "Load {{load_id}} from {{ origin }}; rate {{rate}}, {{rate}} again. {{ unclosed",
                Some("Hi, calling about {{load_id}} for {{carrier}}."),
            ),
            &call,
        );
        assert_eq!(
            rendered.system,
            "Load LD-1042 from Dallas, TX; rate ,  again. {{ unclosed"
        );
        assert_eq!(
            rendered.first_message.as_deref(),
            Some("Hi, calling about LD-1042 for .")
        );
        assert_eq!(rendered.missing, ["rate", "carrier"]);
        assert_eq!(rendered.tools.len(), 1);
    }

    #[test]
    fn the_built_in_prompt_describes_the_call_and_has_no_tools() {
        let call = test_call("+14155550199");
        let rendered = RenderedPrompt::built_in(&call);
        for expected in [
            "Ava",
            "Load confirmation",
            "LD-1042",
            "Dallas, TX",
            "outbound",
        ] {
            assert!(rendered.system.contains(expected), "{}", rendered.system);
        }
        assert!(rendered.tools.is_empty() && rendered.first_message.is_none());
    }
}
