//! The routes form of a number as the API's `PATCH /numbers/{id}` body: the use case and
//! rows of (agent, probability %). Blank rows are left out; the API's errors, which count
//! only the rows sent, are renamed back to the rows of the form, so that each shows beside
//! its field. Prompt routes are not on the form and stay as they are.

use super::field_errors::FieldErrors;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use switchyard_core::number::UseCaseConfig;

/// Rows the form may post; the page shows the routes and a blank row or two.
const MAX_ROWS: usize = 20;
const MIN_ROWS: usize = 3;

/// The form as sent, or as the number is.
pub struct RoutesForm {
    pub use_case_id: String,
    pub rows: Vec<RouteRow>,
}

#[derive(Clone, Default)]
pub struct RouteRow {
    pub agent_id: String,
    pub probability: String,
}

pub fn agent_field(row: usize) -> String {
    format!("agent_routes[{row}].id")
}

pub fn probability_field(row: usize) -> String {
    format!("agent_routes[{row}].probability")
}

impl RoutesForm {
    pub fn of(config: &UseCaseConfig) -> RoutesForm {
        let mut rows: Vec<RouteRow> = config
            .agent_routes
            .iter()
            .map(|route| RouteRow {
                agent_id: route.id.to_string(),
                probability: route.probability.to_string(),
            })
            .collect();
        let blanks = MIN_ROWS.saturating_sub(rows.len()).max(1);
        rows.extend(std::iter::repeat_n(RouteRow::default(), blanks));
        RoutesForm {
            use_case_id: config.id.map(|id| id.to_string()).unwrap_or_default(),
            rows,
        }
    }

    pub fn read(fields: &BTreeMap<String, String>) -> RoutesForm {
        let text = |name: &str| fields.get(name).map(|v| v.trim().to_owned());
        let rows = (0..MAX_ROWS)
            .map_while(|row| {
                let agent_id = text(&agent_field(row));
                let probability = text(&probability_field(row));
                (agent_id.is_some() || probability.is_some()).then(|| RouteRow {
                    agent_id: agent_id.unwrap_or_default(),
                    probability: probability.unwrap_or_default(),
                })
            })
            .collect();
        RoutesForm {
            use_case_id: text("use_case_id").unwrap_or_default(),
            rows,
        }
    }

    /// The sum of the probabilities given, as the page shows it (and `settings.js` as you
    /// type): `None` while no row has one.
    pub fn sum(&self) -> Option<i64> {
        let given: Vec<&str> = self
            .rows
            .iter()
            .map(|row| row.probability.as_str())
            .filter(|p| !p.is_empty())
            .collect();
        (!given.is_empty()).then(|| given.iter().map(|p| p.parse::<i64>().unwrap_or(0)).sum())
    }

    /// The API's body, or what the page finds wrong before asking it (a probability that is
    /// not a whole number, half a row).
    pub fn patch(&self) -> Result<(Value, RowMap), FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut routes = Vec::new();
        let mut sent_rows = Vec::new();
        for (row, route) in self.rows.iter().enumerate() {
            match (route.agent_id.is_empty(), route.probability.is_empty()) {
                (true, true) => continue,
                (true, false) => errors.push(
                    agent_field(row),
                    "choose an agent, or clear the probability",
                ),
                (false, true) => errors.push(
                    probability_field(row),
                    "is required: a whole number from 0 to 100",
                ),
                (false, false) => match route.probability.parse::<i64>() {
                    Ok(probability) => {
                        routes.push(json!({"id": route.agent_id, "probability": probability}));
                        sent_rows.push(row);
                    }
                    Err(_) => errors.push(
                        probability_field(row),
                        format!(
                            "`{}` is not a whole number from 0 to 100",
                            route.probability
                        ),
                    ),
                },
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let use_case_id = Some(self.use_case_id.clone()).filter(|id| !id.is_empty());
        let body = json!({"use_case_id": use_case_id, "agent_routes": routes});
        Ok((body, RowMap(sent_rows)))
    }
}

/// Which form row each route sent to the API came from.
pub struct RowMap(Vec<usize>);

impl RowMap {
    /// `agent_routes[1].id` of the API as the form's field.
    pub fn form_field(&self, api_field: &str) -> Option<String> {
        let rest = api_field.strip_prefix("agent_routes[")?;
        let (index, tail) = rest.split_once(']')?;
        let row = self.0.get(index.parse::<usize>().ok()?)?;
        Some(format!("agent_routes[{row}]{tail}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(fields: &[(&str, &str)]) -> RoutesForm {
        RoutesForm::read(
            &fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn blank_rows_are_left_out_and_errors_find_their_rows_again() {
        let form = sent(&[
            ("use_case_id", ""),
            ("agent_routes[0].id", ""),
            ("agent_routes[0].probability", ""),
            ("agent_routes[1].id", "a1"),
            ("agent_routes[1].probability", " 60 "),
            ("agent_routes[2].id", "a2"),
            ("agent_routes[2].probability", "30"),
        ]);
        assert_eq!(form.sum(), Some(90));
        let Ok((body, rows)) = form.patch() else {
            panic!("the form is readable")
        };
        assert_eq!(
            body,
            json!({"use_case_id": null, "agent_routes": [
                {"id": "a1", "probability": 60}, {"id": "a2", "probability": 30}]})
        );
        assert_eq!(
            rows.form_field("agent_routes[1].id").as_deref(),
            Some("agent_routes[2].id")
        );
        assert_eq!(rows.form_field("agent_routes"), None);
        assert_eq!(rows.form_field("agent_routes[7].id"), None);
    }

    #[test]
    fn half_rows_and_fractions_are_refused_beside_their_fields() {
        let form = sent(&[
            ("agent_routes[0].id", "a1"),
            ("agent_routes[0].probability", "12.5"),
            ("agent_routes[1].id", ""),
            ("agent_routes[1].probability", "10"),
            ("agent_routes[2].id", "a2"),
            ("agent_routes[2].probability", ""),
        ]);
        let Err(errors) = form.patch() else {
            panic!("refused")
        };
        assert!(errors.get("agent_routes[0].probability").is_some());
        assert!(errors.get("agent_routes[1].id").is_some());
        assert!(errors.get("agent_routes[2].probability").is_some());
        assert_eq!(sent(&[]).sum(), None);
    }

    #[test]
    fn a_number_shows_its_routes_and_a_blank_row() {
        let config = UseCaseConfig::default();
        assert_eq!(RoutesForm::of(&config).rows.len(), MIN_ROWS);
    }
}
