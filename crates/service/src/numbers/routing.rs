//! `PATCH /numbers/{id}`: which use case calls through a number run, and how agents and
//! prompts are drawn for them. Every referenced id must belong to the caller's organization,
//! and each non-empty routes array is a probability distribution (sums to 100).

use crate::ServiceError;
use crate::nullable::double_option;
use crate::validate::Errors;
use crate::validate::parse_field_id;
use serde::Deserialize;
use switchyard_core::id::kind;
use switchyard_core::number::{AgentRoute, PromptRoute, UseCaseConfig};
use switchyard_core::store::{Store, StoreError};
use switchyard_core::{AgentId, OrgId, PromptId, UseCaseId};

/// Absent keys are left as they are.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ConfigPatch {
    /// One of the organization's use cases; `null` detaches the use case.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<UseCaseId>)]
    use_case_id: Option<Option<String>>,
    /// The organization's agents; probabilities add up to 100. `null` clears the routes,
    /// like `[]`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<AgentRouteIn>>)]
    agent_routes: Option<Option<Vec<AgentRouteIn>>>,
    /// The organization's prompts; probabilities add up to 100. `null` clears the routes,
    /// like `[]`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<PromptRouteIn>>)]
    prompt_routes: Option<Option<Vec<PromptRouteIn>>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AgentRouteIn {
    #[schema(minimum = 0, maximum = 100)]
    probability: i64,
    #[schema(value_type = AgentId)]
    id: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PromptRouteIn {
    #[schema(minimum = 0, maximum = 100)]
    probability: i64,
    /// One of the organization's prompts.
    #[serde(default)]
    #[schema(value_type = PromptId, required = true)]
    prompt_id: String,
    /// The model calls drawn to this prompt run on.
    #[serde(default)]
    model_id: Option<String>,
}

impl ConfigPatch {
    /// The number's configuration with the patch applied, after checking every field.
    pub async fn apply(
        self,
        store: &dyn Store,
        org: OrgId,
        mut config: UseCaseConfig,
    ) -> Result<UseCaseConfig, ServiceError> {
        let mut errors = Errors::default();
        if let Some(use_case_id) = self.use_case_id {
            config.id = match use_case_id {
                Some(raw) => use_case(store, org, &raw, &mut errors).await?,
                None => None,
            };
        }
        if let Some(routes) = self.agent_routes {
            config.agent_routes =
                agent_routes(store, org, routes.unwrap_or_default(), &mut errors).await?;
        }
        if let Some(routes) = self.prompt_routes {
            config.prompt_routes =
                prompt_routes(store, org, routes.unwrap_or_default(), &mut errors).await?;
        }
        errors.finish()?;
        Ok(config)
    }
}

async fn use_case(
    store: &dyn Store,
    org: OrgId,
    raw: &str,
    errors: &mut Errors,
) -> Result<Option<UseCaseId>, ServiceError> {
    let Some(id) = errors.check(parse_field_id("use_case_id", raw)) else {
        return Ok(None);
    };
    match store.get_use_case(org, id).await {
        Ok(_) => Ok(Some(id)),
        Err(StoreError::NotFound(_)) => {
            errors.push(
                "use_case_id",
                format!("no use case {id} in your organization"),
            );
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

async fn agent_routes(
    store: &dyn Store,
    org: OrgId,
    routes: Vec<AgentRouteIn>,
    errors: &mut Errors,
) -> Result<Vec<AgentRoute>, ServiceError> {
    let mut parsed = Vec::with_capacity(routes.len());
    for (i, route) in routes.iter().enumerate() {
        let probability = probability(
            &format!("agent_routes[{i}].probability"),
            route.probability,
            errors,
        );
        let field = format!("agent_routes[{i}].id");
        let Some(id) = errors.check(parse_field_id(&field, &route.id)) else {
            continue;
        };
        match store.get_agent(org, id).await {
            Ok(_) => parsed.extend(probability.map(|probability| AgentRoute { probability, id })),
            Err(StoreError::NotFound(_)) => {
                errors.push(field, format!("no agent {id} in your organization"))
            }
            Err(other) => return Err(other.into()),
        }
    }
    check_sum("agent_routes", routes.iter().map(|r| r.probability), errors);
    Ok(parsed)
}

async fn prompt_routes(
    store: &dyn Store,
    org: OrgId,
    routes: Vec<PromptRouteIn>,
    errors: &mut Errors,
) -> Result<Vec<PromptRoute>, ServiceError> {
    check_sum(
        "prompt_routes",
        routes.iter().map(|r| r.probability),
        errors,
    );
    let mut parsed = Vec::with_capacity(routes.len());
    for (i, route) in routes.into_iter().enumerate() {
        let probability = probability(
            &format!("prompt_routes[{i}].probability"),
            route.probability,
            errors,
        );
        let field = format!("prompt_routes[{i}].prompt_id");
        let raw = route.prompt_id.trim();
        if raw.is_empty() {
            errors.push(field, "must not be empty");
            continue;
        }
        let Some(id) = errors.check(parse_field_id::<kind::Prompt>(&field, raw)) else {
            continue;
        };
        match store.get_prompt(org, id).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => {
                errors.push(field, format!("no prompt {id} in your organization"));
                continue;
            }
            Err(other) => return Err(other.into()),
        }
        let model_id = route
            .model_id
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty());
        parsed.extend(probability.map(|probability| PromptRoute {
            probability,
            prompt_id: id.to_string(),
            model_id,
        }));
    }
    Ok(parsed)
}

fn probability(field: &str, raw: i64, errors: &mut Errors) -> Option<u32> {
    match u32::try_from(raw) {
        Ok(p) if p <= 100 => Some(p),
        _ => {
            errors.push(
                field,
                format!("must be an integer from 0 to 100 (got {raw})"),
            );
            None
        }
    }
}

/// An empty array means "no routing"; otherwise the draw must always pick something.
fn check_sum(field: &str, probabilities: impl Iterator<Item = i64>, errors: &mut Errors) {
    let (count, sum) = probabilities.fold((0usize, 0i64), |(n, s), p| (n + 1, s.saturating_add(p)));
    if count > 0 && sum != 100 {
        errors.push(
            field,
            format!("probabilities must add up to 100 (they add up to {sum})"),
        );
    }
}
