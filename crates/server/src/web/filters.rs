//! The list's filters, as the query string the list, the review queue and the call page
//! pass along (`/?statuses=Completed`, `/queue/next?...`, `/calls/{id}?...`): the names
//! are `GET /api/v1/calls`'s parameters, parsed by the API's own parser.

use super::error::{WebError, urlencode};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use switchyard_service::ServiceError;
use switchyard_service::calls::query::CallQueryParams;

/// The filters of `GET /api/v1/calls` the pages offer, by their API names.
const NAMES: &[&str] = &[
    "statuses",
    "type",
    "use_cases",
    "campaigns",
    "tags",
    "ratings",
    "from",
    "to",
    "search",
];

/// A request's query string, as pairs.
pub type Raw = Vec<(String, String)>;

/// The filters of a request (others parameters and blank values left out).
pub struct Filters(BTreeMap<String, String>);

impl Filters {
    pub fn of(raw: &Raw) -> Filters {
        Filters(
            raw.iter()
                .filter(|(name, value)| NAMES.contains(&name.as_str()) && !value.trim().is_empty())
                .map(|(name, value)| (name.clone(), value.trim().to_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `name=value&...`, encoded; empty without filters.
    pub fn query(&self) -> String {
        self.0
            .iter()
            .map(|(name, value)| format!("{name}={}", urlencode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// `path`, with the filters as its query string.
    pub fn link(&self, path: &str) -> String {
        match self.query() {
            query if query.is_empty() => path.to_owned(),
            query => format!("{path}?{query}"),
        }
    }

    /// The API's query parameters: these filters plus `extra` (paging).
    pub fn params(&self, extra: &[(&str, String)]) -> Result<CallQueryParams, WebError> {
        let mut params: Map<String, Value> = self
            .0
            .iter()
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect();
        for (name, value) in extra {
            params.insert((*name).to_owned(), Value::String(value.clone()));
        }
        serde_json::from_value(Value::Object(params))
            .map_err(|e| WebError::Service(ServiceError::Malformed(e.to_string())))
    }
}
