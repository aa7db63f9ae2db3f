//! The CSV of an export: its columns and one row per call. UTF-8, comma-separated, a
//! header row, RFC 4180 quoting (the `csv` crate).

use std::borrow::Cow;
use switchyard_core::call::Call;
use switchyard_core::use_case::UseCase;

/// The columns before the extraction fields.
const LEADING: &[&str] = &[
    "id",
    "created",
    "type",
    "status",
    "from",
    "to",
    "use case",
    "agent",
    "language",
    "duration",
    "end reason",
    "classification tag",
    "classification reasoning",
];

/// The columns after the extraction fields.
const TRAILING: &[&str] = &[
    "ratings",
    "notes",
    "flagged notes",
    "viewed by",
    "campaign",
    "parent call",
    "cost total",
];

/// The columns of one export, fixed before its first row.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// One column per extraction field, in this order.
    fields: Vec<String>,
    header: Vec<String>,
}

impl Layout {
    /// `found`: the extraction keys the matching calls have. They are ordered as the
    /// organization's use cases (oldest first) declare them in `extract_with_ai`, then
    /// the others (fields since removed from a use case) alphabetically. A field named
    /// like a fixed column gets the header `extraction: <name>`.
    pub fn new(mut found: Vec<String>, use_cases: &[UseCase]) -> Layout {
        found.sort();
        found.dedup();
        let mut fields: Vec<String> = Vec::with_capacity(found.len());
        let declared = use_cases
            .iter()
            .flat_map(|u| u.extract_with_ai.iter().map(|f| &f.name));
        for name in declared {
            if found.binary_search(name).is_ok() && !fields.contains(name) {
                fields.push(name.clone());
            }
        }
        for name in found {
            if !fields.contains(&name) {
                fields.push(name);
            }
        }
        let mut header: Vec<String> = LEADING.iter().map(|c| (*c).to_owned()).collect();
        for name in &fields {
            if LEADING.contains(&name.as_str()) || TRAILING.contains(&name.as_str()) {
                header.push(format!("extraction: {name}"));
            } else {
                // A field's name is the organization's own text, like a cell's value.
                header.push(cell(name));
            }
        }
        header.extend(TRAILING.iter().map(|c| (*c).to_owned()));
        Layout { fields, header }
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The call's row, one cell per column of [`Layout::header`].
    pub fn row(&self, call: &Call) -> Vec<String> {
        let mut row = Vec::with_capacity(self.header.len());
        let classification = call.classification.as_ref();
        row.extend([
            call.id.to_string(),
            call.created.to_string(),
            call.call_type.to_string(),
            call.status.to_string(),
            cell(&call.metadata.from),
            cell(&call.metadata.to),
            cell(&call.use_case.name),
            cell(&call.agent.name),
            call.language.to_string(),
            call.duration.map(|d| d.to_string()).unwrap_or_default(),
            call.end_reason.map(|r| r.to_string()).unwrap_or_default(),
            classification.map(|c| cell(&c.tag)).unwrap_or_default(),
            classification
                .map(|c| cell(&c.reasoning))
                .unwrap_or_default(),
        ]);
        for name in &self.fields {
            let value = call.extraction.as_ref().and_then(|e| e.get(name));
            row.push(match value {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(text)) => cell(text),
                Some(other) => cell(&other.to_string()),
            });
        }
        let ratings: Vec<String> = call
            .ratings
            .iter()
            .map(|r| format!("{} {}", r.emoji, r.email))
            .collect();
        row.extend([
            cell(&ratings.join("; ")),
            call.notes.len().to_string(),
            call.notes.iter().filter(|n| n.flagged).count().to_string(),
            cell(&call.viewed_by.join("; ")),
            call.campaign_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            call.parent_call_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            call.costs
                .as_ref()
                .map(|c| c.total.to_string())
                .unwrap_or_default(),
        ]);
        row
    }
}

/// Text that a spreadsheet would run as a formula (`=HYPERLINK(...)` said by a caller and
/// extracted by the analysis) gets a leading `'`, which spreadsheets show as text. Phone
/// numbers and negative numbers (`+14155550123`, `-3.5`) are left alone.
fn cell(text: &str) -> String {
    neutralized(text).into_owned()
}

fn neutralized(text: &str) -> Cow<'_, str> {
    let mut chars = text.chars();
    let risky = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars.all(|c| c.is_ascii_digit() || c == '.' || c == ' '),
        _ => false,
    };
    if risky {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_numbers_kept() {
        assert_eq!(cell("=1+2"), "'=1+2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+1 cmd|' /C calc'!A0"), "'+1 cmd|' /C calc'!A0");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("+14155550123"), "+14155550123");
        assert_eq!(cell("-3.5"), "-3.5");
        assert_eq!(cell("LD-42"), "LD-42");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn fields_follow_the_use_cases_then_the_alphabet() {
        let mut use_case = UseCase::new(
            switchyard_core::Id::new(switchyard_core::Timestamp::from_millis(0)),
            switchyard_core::Id::new(switchyard_core::Timestamp::from_millis(0)),
            "Sales".to_owned(),
            switchyard_core::Timestamp::from_millis(0),
        );
        for name in ["rate", "load_id", "missing"] {
            use_case.extract_with_ai.push(
                serde_json::from_value(serde_json::json!({"name": name, "type": "string"}))
                    .unwrap(),
            );
        }
        let layout = Layout::new(
            vec![
                "zeta".into(),
                "load_id".into(),
                "rate".into(),
                "status".into(),
            ],
            &[use_case],
        );
        let extraction = &layout.header()[LEADING.len()..layout.header().len() - TRAILING.len()];
        assert_eq!(
            extraction,
            ["rate", "load_id", "extraction: status", "zeta"]
        );
    }

    #[test]
    fn header_cells_are_neutralized_like_data_cells() {
        let risky = ["=SUM(1+1)", "@cmd", "+1+1", "-2+3", "\tx"];
        let found = risky
            .iter()
            .map(|name| (*name).to_owned())
            .chain(["plain".into()]);
        let layout = Layout::new(found.collect(), &[]);
        for name in risky {
            assert!(
                layout.header().contains(&format!("'{name}")),
                "{name:?} is left as a formula: {:?}",
                layout.header()
            );
        }
        assert!(layout.header().contains(&"plain".to_owned()));
    }
}
