//! `/settings/...`: the organization's configuration, one page per resource (use cases,
//! agents, numbers, members, API keys, the webhook secret). Owners edit; everyone else
//! reads what the API lets them read. Each form is turned into the API's own input and
//! handed to the same service function as the API's handler, so a refusal is the API's,
//! shown beside the field it names.

pub mod agents;
mod controls;
mod field_errors;
pub mod keys;
pub mod members;
mod number_card;
mod number_routes;
pub mod numbers;
pub mod secret;
mod use_case_form;
mod use_case_view;
pub mod use_cases;
