//! A number's card on `/settings/numbers` as the template shows it: its facts, its forms
//! filled in (as the number is, or as a refused form was sent) and each error beside its
//! field.

use super::field_errors::FieldErrors;
use super::number_routes::{RoutesForm, agent_field, probability_field};
use crate::web::view::Choice;
use switchyard_core::number::Number;

pub struct NumberCard {
    pub id: String,
    pub e164: String,
    pub title: String,
    pub locality: String,
    pub use_case: String,
    pub use_cases: Vec<Choice>,
    pub rows: Vec<RowView>,
    /// The prompt routes, read here and set through the API.
    pub prompt_routes: Vec<String>,
    /// The running sum as the page starts it (`settings.js` keeps it as you type).
    pub sum_text: String,
    pub sum_ok: bool,
    pub title_error: Option<String>,
    pub use_case_error: Option<String>,
    pub routes_error: Option<String>,
    pub confirm_error: Option<String>,
    /// What the API refused that has no field on the form.
    pub other_errors: Vec<String>,
}

pub struct RowView {
    pub agents: Vec<Choice>,
    /// The agent's name, for those who read.
    pub agent: String,
    pub probability: String,
    pub agent_error: Option<String>,
    pub probability_error: Option<String>,
}

pub fn card(
    number: Number,
    title: Option<String>,
    form: RoutesForm,
    errors: &FieldErrors,
    use_cases: &[(String, String)],
    agents: &[(String, String)],
) -> NumberCard {
    let current_use_case = number.use_case_config.id.map(|id| id.to_string());
    let rows: Vec<RowView> = form
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| RowView {
            agents: Choice::list(agents.iter().cloned(), Some(&row.agent_id)),
            agent: name_of(agents, &row.agent_id),
            probability: row.probability.clone(),
            agent_error: errors.get(&agent_field(i)).map(str::to_owned),
            probability_error: errors.get(&probability_field(i)).map(str::to_owned),
        })
        .collect();
    let shown: Vec<String> = (0..rows.len())
        .flat_map(|i| [agent_field(i), probability_field(i)])
        .chain(["title", "use_case_id", "agent_routes", "confirm"].map(str::to_owned))
        .collect();
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    let mut other_errors = errors.others(&shown);
    other_errors.extend(errors.general.clone());
    let prompt_routes = number
        .use_case_config
        .prompt_routes
        .iter()
        .map(|route| format!("{} · {}%", route.prompt_id, route.probability))
        .collect();
    NumberCard {
        prompt_routes,
        id: number.id.to_string(),
        e164: number.number,
        title: title.unwrap_or(number.title),
        locality: number.locality,
        use_case: current_use_case
            .as_deref()
            .map_or_else(|| "none".to_owned(), |id| name_of(use_cases, id)),
        use_cases: Choice::list(use_cases.iter().cloned(), Some(&form.use_case_id)),
        sum_text: form
            .sum()
            .map_or_else(|| "No routes".to_owned(), |sum| format!("Sum: {sum}%")),
        sum_ok: form.sum().is_none_or(|sum| sum == 100),
        rows,
        title_error: errors.get("title").map(str::to_owned),
        use_case_error: errors.get("use_case_id").map(str::to_owned),
        routes_error: errors.get("agent_routes").map(str::to_owned),
        confirm_error: errors.get("confirm").map(str::to_owned),
        other_errors,
    }
}

/// The name of the use case or agent `id` among `(id, name)` pairs.
fn name_of(list: &[(String, String)], id: &str) -> String {
    list.iter()
        .find(|(value, _)| value == id)
        .map_or_else(|| id.to_owned(), |(_, name)| name.clone())
}
