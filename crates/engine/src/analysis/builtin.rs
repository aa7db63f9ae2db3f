//! The deterministic analyzer: it reads the conversation, so that what the call page
//! shows never contradicts what was said, and needs no AI backend.
//!
//! * `extraction`: each field's value from the latest tool answer that has it (a
//!   top-level key of the field's name), else the call's param, else the field's example.
//! * `classification`: the outcome of the call (the callee agreed or declined, an
//!   answering machine took it, it was transferred, it ended before the conversation
//!   did) picks the first tag whose name, else description, speaks of that outcome; no
//!   tag does: no classification. The reasoning quotes the words it rests on.

use super::{Analysis, AnalysisError, Analyzer};
use crate::sim::phrases::ALL as PHRASES;
use async_trait::async_trait;
use serde_json::Value;
use switchyard_core::call::{Call, Classification, JsonObject};
use switchyard_core::enums::{AnsweredBy, EndReason, FieldType, MessageRole};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::transcript::Message;
use switchyard_core::use_case::ClassificationTag;

#[derive(Clone, Copy, Debug, Default)]
pub struct BuiltinAnalyzer;

#[async_trait]
impl Analyzer for BuiltinAnalyzer {
    async fn analyze(&self, call: &Call, messages: &[Message]) -> Result<Analysis, AnalysisError> {
        Ok(Analysis {
            extraction: extraction(call, messages),
            classification: classification(call, messages),
            used_backup: false,
        })
    }
}

/// Each field's value: the latest tool answer's, else the param's, else the example.
fn extraction(call: &Call, messages: &[Message]) -> JsonObject {
    let answers: Vec<JsonObject> = messages
        .iter()
        .rev()
        .filter(|m| m.role == MessageRole::Tool)
        .filter_map(|m| match serde_json::from_str(&m.content) {
            Ok(Value::Object(answer)) if !answer.contains_key("error") => Some(answer),
            _ => None,
        })
        .collect();
    let params = call.params.as_ref();
    call.use_case
        .extract_with_ai
        .iter()
        .filter_map(|field| {
            let said = answers
                .iter()
                .find_map(|answer| answer.get(&field.name).filter(|v| !v.is_null()));
            let found = said
                .or_else(|| {
                    params
                        .and_then(|p| p.get(&field.name))
                        .filter(|v| !v.is_null())
                })
                .or(field.example.as_ref().filter(|v| !v.is_null()))?;
            Some((field.name.clone(), coerce(found, field.field_type)))
        })
        .collect()
}

/// Params often arrive as strings (CSV columns, form fields); a typed field gets a typed
/// value when the text reads as one, and the value as given otherwise.
fn coerce(value: &Value, field_type: FieldType) -> Value {
    match (field_type, value) {
        (FieldType::Number, Value::String(text)) => {
            let text = text.trim();
            text.parse::<i64>()
                .map(Value::from)
                .ok()
                .or_else(|| {
                    text.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                })
                .unwrap_or_else(|| value.clone())
        }
        (FieldType::Boolean, Value::String(text)) => {
            match text.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => value.clone(),
            }
        }
        (FieldType::String, Value::Number(_) | Value::Bool(_)) => Value::String(value.to_string()),
        _ => value.clone(),
    }
}

/// How the call went, as the classification sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Agreed,
    Declined,
    Voicemail,
    Transferred,
    /// It ended before the conversation did (maximum duration, stopped).
    Incomplete,
}

impl Outcome {
    /// Words a tag's name or description uses for this outcome (lowercase, `_` and `-`
    /// read as spaces).
    fn words(self) -> &'static [&'static str] {
        match self {
            Outcome::Agreed => &[
                "interested",
                "booked",
                "book",
                "agreed",
                "agree",
                "accepted",
                "accept",
                "confirmed",
                "success",
                "positive",
                "deal",
                "yes",
            ],
            Outcome::Declined => &[
                "not interested",
                "uninterested",
                "declin",
                "reject",
                "refus",
                "negative",
                "no deal",
                "pass",
            ],
            Outcome::Voicemail => &["voicemail", "voice mail", "machine", "answering"],
            Outcome::Transferred => &["transfer", "escalat", "human", "person"],
            Outcome::Incomplete => &[
                "incomplete",
                "unfinished",
                "dropped",
                "cut off",
                "hung up",
                "callback",
                "call back",
                "follow up",
                "max duration",
                "timed out",
            ],
        }
    }

    /// Whether `text` speaks of this outcome. A tag about declining often names what was
    /// declined ("not_interested"), so agreement never matches a negation.
    fn described_by(self, text: &str) -> bool {
        let text = format!(" {} ", text.to_lowercase().replace(['_', '-'], " "));
        let says = |words: &[&str]| words.iter().any(|w| text.contains(w));
        says(self.words())
            && !(self == Outcome::Agreed
                && (says(Outcome::Declined.words()) || says(&[" not ", " no "])))
    }
}

fn classification(call: &Call, messages: &[Message]) -> Option<Classification> {
    let (outcome, evidence) = outcome(call, messages)?;
    let tags = &call.use_case.classification_tags;
    let tag: &ClassificationTag = tags
        .iter()
        .find(|tag| outcome.described_by(&tag.name))
        .or_else(|| {
            tags.iter()
                .find(|tag| outcome.described_by(&tag.description))
        })?;
    Some(Classification {
        tag: tag.name.clone(),
        reasoning: evidence,
    })
}

/// The call's outcome and a one-line reasoning that quotes the conversation.
fn outcome(call: &Call, messages: &[Message]) -> Option<(Outcome, String)> {
    let said_by = |role: MessageRole| messages.iter().filter(move |m| m.role == role);
    let quote = |text: &str| one_line(text);
    if call.answered_by == Some(AnsweredBy::Machine)
        || call.end_reason == Some(EndReason::Voicemail)
    {
        let left = said_by(MessageRole::Assistant).next_back();
        let reasoning = match left {
            Some(m) => format!(
                "An answering machine took the call; the agent left \"{}\"",
                quote(&m.content)
            ),
            None => "An answering machine took the call.".to_owned(),
        };
        return Some((Outcome::Voicemail, reasoning));
    }
    if call.status == CallStatus::Transferred {
        let asked = said_by(MessageRole::User).next_back();
        let reasoning = match asked {
            Some(m) => format!(
                "The callee said \"{}\" and the call was transferred.",
                quote(&m.content)
            ),
            None => "The call was transferred to a person.".to_owned(),
        };
        return Some((Outcome::Transferred, reasoning));
    }
    let decision = said_by(MessageRole::User).find_map(|m| {
        let text = m.content.to_lowercase();
        if PHRASES
            .iter()
            .any(|p| text.contains(&p.decline.to_lowercase()))
            || ["not interested", "i'll pass", "no thanks", "no, thanks"]
                .iter()
                .any(|w| text.contains(w))
        {
            Some((Outcome::Declined, m))
        } else if PHRASES
            .iter()
            .any(|p| text.contains(&p.agree.to_lowercase()))
            || ["let's book", "works for me", "sounds good", "i'll take it"]
                .iter()
                .any(|w| text.contains(w))
        {
            Some((Outcome::Agreed, m))
        } else {
            None
        }
    });
    if let Some((outcome, message)) = decision {
        return Some((
            outcome,
            format!("The callee said \"{}\"", quote(&message.content)),
        ));
    }
    let ended_early = !matches!(
        call.end_reason,
        Some(EndReason::Completed | EndReason::CustomerHangup | EndReason::AgentHangup)
    );
    if ended_early && !messages.is_empty() {
        let last = messages
            .iter()
            .rev()
            .find(|m| matches!(m.role, MessageRole::User | MessageRole::Assistant));
        let reason = call.end_reason.map_or("unknown", |r| r.as_str());
        let reasoning = match last {
            Some(m) => format!(
                "The call ended ({reason}) before the conversation did; the last words were \"{}\"",
                quote(&m.content)
            ),
            None => format!("The call ended ({reason}) before anything was said."),
        };
        return Some((Outcome::Incomplete, reasoning));
    }
    None
}

/// `text` on one line, at most 200 characters (cut between words, so that what is quoted
/// is still words of the conversation).
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((cut, _)) => line[..cut]
            .rsplit_once(' ')
            .map_or(&line[..cut], |(words, _)| words)
            .to_owned(),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_call;
    use serde_json::json;
    use switchyard_core::use_case::ExtractField;

    fn field(name: &str, field_type: FieldType, example: Value) -> ExtractField {
        ExtractField {
            name: name.to_owned(),
            description: String::new(),
            field_type,
            example: Some(example),
            required: false,
        }
    }

    #[tokio::test]
    async fn extraction_takes_params_then_examples_and_coerces_types() {
        let mut call = test_call("+14155550199");
        let params = call.params.as_mut().unwrap();
        params.insert("weight".to_owned(), json!(" 42000 "));
        params.insert("rate".to_owned(), json!("1850.50"));
        params.insert("hazmat".to_owned(), json!("False"));
        params.insert("pallets".to_owned(), json!(12));
        params.insert("notes".to_owned(), json!("n/a"));
        params.insert("empty".to_owned(), Value::Null);
        call.use_case.extract_with_ai = vec![
            field("load_id", FieldType::String, json!("LD-0")),
            field("weight", FieldType::Number, Value::Null),
            field("rate", FieldType::Number, Value::Null),
            field("hazmat", FieldType::Boolean, Value::Null),
            field("pallets", FieldType::String, Value::Null),
            field("notes", FieldType::Number, Value::Null),
            field("empty", FieldType::String, json!("fallback")),
            field("pickup_date", FieldType::Date, json!("2024-01-02")),
            field("unknown", FieldType::String, Value::Null),
        ];
        call.use_case.extract_with_ai.push(ExtractField {
            example: None,
            ..field("missing", FieldType::Boolean, Value::Null)
        });
        let analysis = BuiltinAnalyzer.analyze(&call, &[]).await.unwrap();
        assert_eq!(
            Value::Object(analysis.extraction),
            json!({
                "load_id": "LD-1042",
                "weight": 42000,
                "rate": 1850.5,
                "hazmat": false,
                "pallets": "12",
                "notes": "n/a",
                "empty": "fallback",
                "pickup_date": "2024-01-02",
            })
        );
        assert_eq!(analysis.classification, None);
        assert!(!analysis.used_backup);
    }

    #[tokio::test]
    async fn no_fields_and_no_params_give_an_empty_extraction() {
        let mut call = test_call("+14155550199");
        call.params = None;
        call.use_case.extract_with_ai = vec![field("load_id", FieldType::String, Value::Null)];
        let analysis = BuiltinAnalyzer.analyze(&call, &[]).await.unwrap();
        assert!(analysis.extraction.is_empty());
    }

    fn said(role: MessageRole, content: &str) -> Message {
        Message {
            id: switchyard_core::Id::new(switchyard_core::Timestamp::from_millis(0)),
            role,
            content: content.to_owned(),
            tool_calls: None,
            name: None,
            tool_call_id: None,
            start: 0.0,
            end: 0.0,
        }
    }

    fn tags(names: &[(&str, &str)]) -> Vec<ClassificationTag> {
        names
            .iter()
            .map(|(name, description)| ClassificationTag {
                name: (*name).to_owned(),
                description: (*description).to_owned(),
            })
            .collect()
    }

    #[tokio::test]
    async fn tool_answers_come_before_params_and_examples() {
        let mut call = test_call("+14155550199");
        call.use_case.extract_with_ai = vec![
            field("load_id", FieldType::String, json!("LD-0")),
            field("rate", FieldType::Number, Value::Null),
        ];
        let messages = [
            said(MessageRole::Tool, r#"{"load_id": "LD-7", "rate": "900"}"#),
            said(MessageRole::Tool, r#"{"rate": 1850}"#),
            said(
                MessageRole::Tool,
                r#"{"error": "timed out", "load_id": "LD-X"}"#,
            ),
        ];
        let analysis = BuiltinAnalyzer.analyze(&call, &messages).await.unwrap();
        assert_eq!(
            Value::Object(analysis.extraction),
            json!({"load_id": "LD-7", "rate": 1850})
        );
    }

    #[tokio::test]
    async fn the_callee_decision_picks_the_tag_and_is_quoted() {
        let mut call = test_call("+14155550199");
        call.status = CallStatus::Completed;
        call.end_reason = Some(EndReason::Completed);
        call.use_case.classification_tags = tags(&[
            ("not_interested", "The carrier declined"),
            ("interested", "The carrier wants the load"),
            ("voicemail", ""),
        ]);
        for (line, tag) in [
            ("That works for me. Let's book it.", "interested"),
            ("Thanks, but I'll pass on this one.", "not_interested"),
            ("Gracias, pero esta vez paso.", "not_interested"),
            ("Das passt für mich. Buchen wir es.", "interested"),
        ] {
            let messages = [
                said(MessageRole::Assistant, "Shall I book it?"),
                said(MessageRole::User, line),
            ];
            let classification = BuiltinAnalyzer
                .analyze(&call, &messages)
                .await
                .unwrap()
                .classification
                .unwrap();
            assert_eq!(classification.tag, tag, "{line}");
            assert!(
                classification.reasoning.contains(line),
                "{}",
                classification.reasoning
            );
        }
    }

    #[tokio::test]
    async fn machines_transfers_and_cut_calls_have_their_own_outcomes() {
        let base = test_call("+14155550199");
        let all = tags(&[
            ("booked", "The carrier booked the load"),
            ("left_message", "Reached an answering machine"),
            ("escalated", "Handed to a person"),
            ("incomplete", "The call was cut off"),
        ]);
        let mut machine = base.clone();
        machine.answered_by = Some(AnsweredBy::Machine);
        machine.end_reason = Some(EndReason::Voicemail);
        let mut transferred = base.clone();
        transferred.status = CallStatus::Transferred;
        transferred.end_reason = Some(EndReason::Transferred);
        let mut cut = base.clone();
        cut.status = CallStatus::Completed;
        cut.end_reason = Some(EndReason::MaxDuration);
        let messages = [
            said(MessageRole::Assistant, "Hi, please call us back."),
            said(MessageRole::User, "Could I speak with someone?"),
        ];
        for (mut call, tag) in [
            (machine, "left_message"),
            (transferred, "escalated"),
            (cut, "incomplete"),
        ] {
            call.use_case.classification_tags = all.clone();
            let classification = BuiltinAnalyzer
                .analyze(&call, &messages)
                .await
                .unwrap()
                .classification;
            assert_eq!(classification.map(|c| c.tag).as_deref(), Some(tag));
        }
    }

    #[tokio::test]
    async fn no_fitting_tag_means_no_classification() {
        let mut call = test_call("+14155550199");
        call.end_reason = Some(EndReason::Completed);
        call.use_case.classification_tags = tags(&[("voicemail", ""), ("escalated", "")]);
        let messages = [said(MessageRole::User, "That works for me. Let's book it.")];
        let analysis = BuiltinAnalyzer.analyze(&call, &messages).await.unwrap();
        assert_eq!(analysis.classification, None);
        let silent = BuiltinAnalyzer.analyze(&call, &[]).await.unwrap();
        assert_eq!(silent.classification, None);
    }
}
