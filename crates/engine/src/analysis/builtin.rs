//! The deterministic analyzer of contract §9: it reads the answers off the call's params
//! instead of the conversation, so tests and demos know the result in advance and need
//! no AI backend.

use super::{Analysis, AnalysisError, Analyzer};
use async_trait::async_trait;
use serde_json::Value;
use sha2::{Digest, Sha256};
use switchyard_core::call::{Call, Classification, JsonObject};
use switchyard_core::enums::FieldType;
use switchyard_core::transcript::Message;

#[derive(Clone, Copy, Debug, Default)]
pub struct BuiltinAnalyzer;

#[async_trait]
impl Analyzer for BuiltinAnalyzer {
    async fn analyze(&self, call: &Call, _messages: &[Message]) -> Result<Analysis, AnalysisError> {
        Ok(Analysis {
            extraction: extraction(call),
            classification: classification(call),
            used_backup: false,
        })
    }
}

/// Each field's value: the param of the same name, else the field's example.
fn extraction(call: &Call) -> JsonObject {
    let params = call.params.as_ref();
    call.use_case
        .extract_with_ai
        .iter()
        .filter_map(|field| {
            let found = params
                .and_then(|p| p.get(&field.name))
                .filter(|v| !v.is_null())
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

fn classification(call: &Call) -> Option<Classification> {
    let tags = &call.use_case.classification_tags;
    if tags.is_empty() {
        return None;
    }
    let digest = Sha256::digest(call.id.to_string());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    let tag = &tags[(u64::from_be_bytes(first) % tags.len() as u64) as usize];
    // One line, whatever the description's layout.
    let description = tag
        .description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let description = description.trim_end_matches('.');
    let reasoning = if description.is_empty() {
        format!("The conversation fits the \"{}\" tag.", tag.name)
    } else {
        format!(
            "The conversation fits the \"{}\" tag: {description}.",
            tag.name
        )
    };
    Some(Classification {
        tag: tag.name.clone(),
        reasoning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_call;
    use serde_json::json;
    use switchyard_core::use_case::{ClassificationTag, ExtractField};

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

    #[tokio::test]
    async fn classification_picks_a_tag_from_the_call_id_with_a_one_line_reasoning() {
        let tags: Vec<ClassificationTag> = ["booked", "declined", "callback"]
            .into_iter()
            .map(|name| ClassificationTag {
                name: name.to_owned(),
                description: format!("The carrier\n  {name} the load."),
            })
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..60 {
            let mut call = test_call("+14155550199");
            call.use_case.classification_tags = tags.clone();
            let first = BuiltinAnalyzer.analyze(&call, &[]).await.unwrap();
            let again = BuiltinAnalyzer.analyze(&call, &[]).await.unwrap();
            assert_eq!(first, again);
            let classification = first.classification.unwrap();
            assert!(!classification.reasoning.contains('\n'));
            assert_eq!(
                classification.reasoning,
                format!(
                    "The conversation fits the \"{0}\" tag: The carrier {0} the load.",
                    classification.tag
                )
            );
            seen.insert(classification.tag);
        }
        assert_eq!(seen.len(), 3, "every tag is reachable: {seen:?}");
    }

    #[tokio::test]
    async fn a_tag_without_description_still_gets_a_reasoning() {
        let mut call = test_call("+14155550199");
        call.use_case.classification_tags = vec![ClassificationTag {
            name: "booked".to_owned(),
            description: String::new(),
        }];
        let classification = BuiltinAnalyzer
            .analyze(&call, &[])
            .await
            .unwrap()
            .classification
            .unwrap();
        assert_eq!(classification.tag, "booked");
        assert_eq!(
            classification.reasoning,
            "The conversation fits the \"booked\" tag."
        );
    }
}
