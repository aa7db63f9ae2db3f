//! Scenarios: what the simulated far end does for the numbers each matches (the engine
//! picks one when it places a call, docs/ENGINE.md). Everyone reads them, Owners write
//! them; a scenario is never changed, only replaced by a newer one or deleted.

use super::require_sandbox;
use crate::auth::Caller;
use crate::validate::Errors;
use crate::{ServiceError, ServiceResult, Services};
use serde::Deserialize;
use std::collections::BTreeMap;
use switchyard_core::ScenarioId;
use switchyard_core::enums::Role;
use switchyard_core::scenario::{
    DEFAULT_RING_SECS, DEFAULT_TALK_SECS, MAX_CALLEE_LINE_CHARS, MAX_CALLEE_LINES, MAX_RING_SECS,
    MAX_TALK_SECS, MAX_WEIGHT, NumberMatch, Outcome, Scenario,
};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioIn {
    /// An E.164 number (exact), or a prefix ending in `*` (`+1555*`; `*` alone: every
    /// number).
    #[serde(rename = "match")]
    #[schema(rename = "match", value_type = String, required = true)]
    number_match: Option<String>,
    /// `completed`, `busy`, `no_answer`, `failed`, `voicemail`, `transferred`,
    /// `max_duration` or `dropped`. Exactly one of `outcome` and `weights`.
    #[schema(value_type = Option<Outcome>)]
    outcome: Option<String>,
    /// Outcomes and their positive integer weights (at most 1,000,000 each): each call
    /// draws one, from `seed` and the call.
    #[schema(value_type = Option<std::collections::HashMap<String, u32>>)]
    weights: Option<BTreeMap<String, i64>>,
    /// Seconds of ringing before the outcome, 0 to 120. Default 5.
    #[schema(value_type = Option<u32>, minimum = 0, maximum = 120)]
    ring_secs: Option<i64>,
    /// Seconds of conversation once answered, 1 to 3,600. Default 60.
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 3600)]
    talk_secs: Option<i64>,
    /// What the person says, in order: at most 50 lines of 1 to 500 characters.
    #[schema(max_items = 50)]
    callee_lines: Option<Vec<String>>,
    /// 0 to 2^64 - 1. Default 0.
    #[schema(value_type = Option<u64>)]
    seed: Option<i128>,
}

pub async fn list(services: &Services, caller: &Caller) -> ServiceResult<Vec<Scenario>> {
    require_sandbox(services)?;
    Ok(services
        .store
        .list_scenarios(caller.organization_id)
        .await?)
}

pub async fn get(services: &Services, caller: &Caller, id: ScenarioId) -> ServiceResult<Scenario> {
    require_sandbox(services)?;
    Ok(services
        .store
        .get_scenario(caller.organization_id, id)
        .await?)
}

/// Creates a scenario; calls placed from then on follow it. Owners only.
pub async fn create(
    services: &Services,
    caller: &Caller,
    body: ScenarioIn,
) -> ServiceResult<Scenario> {
    require_sandbox(services)?;
    caller.require(Role::Owner)?;
    let mut errors = Errors::default();
    let number_match = match body.number_match.as_deref() {
        Some(raw) => NumberMatch::parse(raw)
            .map_err(|e| errors.push("match", e.to_string()))
            .ok(),
        None => {
            errors.push("match", "is required");
            None
        }
    };
    let outcome = body.outcome.as_deref().and_then(|raw| {
        raw.parse::<Outcome>()
            .map_err(|e| errors.push("outcome", e.to_string()))
            .ok()
    });
    let weights = body.weights.map(|w| weights(w, &mut errors));
    match (&body.outcome, &weights) {
        (None, None) => errors.push("outcome", "give `outcome` or `weights`"),
        (Some(_), Some(_)) => errors.push("weights", "give `outcome` or `weights`, not both"),
        _ => {}
    }
    let ring_secs = within(&mut errors, "ring_secs", body.ring_secs, 0, MAX_RING_SECS);
    let talk_secs = within(&mut errors, "talk_secs", body.talk_secs, 1, MAX_TALK_SECS);
    let callee_lines = callee_lines(body.callee_lines.unwrap_or_default(), &mut errors);
    let seed = match body.seed.map(u64::try_from) {
        None => 0,
        Some(Ok(seed)) => seed,
        Some(Err(_)) => {
            errors.push("seed", "must be between 0 and 18446744073709551615");
            0
        }
    };
    errors.finish()?;
    let Some(number_match) = number_match else {
        return Err(ServiceError::invalid_field("match", "is required"));
    };
    let now = services.clock.now_for(caller.organization_id);
    let scenario = Scenario {
        id: ScenarioId::new(now),
        organization_id: caller.organization_id,
        number_match,
        outcome,
        weights,
        ring_secs: ring_secs.unwrap_or(DEFAULT_RING_SECS),
        talk_secs: talk_secs.unwrap_or(DEFAULT_TALK_SECS),
        callee_lines,
        seed,
        created_at: now,
    };
    services.store.insert_scenario(&scenario).await?;
    Ok(scenario)
}

/// Deletes a scenario; calls already placed keep the far end it gave them. Owners only.
pub async fn delete(
    services: &Services,
    caller: &Caller,
    id: ScenarioId,
) -> ServiceResult<Scenario> {
    require_sandbox(services)?;
    caller.require(Role::Owner)?;
    Ok(services
        .store
        .delete_scenario(caller.organization_id, id)
        .await?)
}

fn weights(raw: BTreeMap<String, i64>, errors: &mut Errors) -> BTreeMap<Outcome, u32> {
    if raw.is_empty() {
        errors.push("weights", "give at least one outcome");
    }
    let mut weights = BTreeMap::new();
    for (name, weight) in raw {
        let field = format!("weights.{name}");
        let outcome = name
            .parse::<Outcome>()
            .map_err(|e| errors.push(field.clone(), e.to_string()));
        let weight = within(errors, &field, Some(weight), 1, MAX_WEIGHT);
        if let (Ok(outcome), Some(weight)) = (outcome, weight) {
            weights.insert(outcome, weight);
        }
    }
    weights
}

fn callee_lines(lines: Vec<String>, errors: &mut Errors) -> Vec<String> {
    if lines.len() > MAX_CALLEE_LINES {
        errors.push(
            "callee_lines",
            format!("at most {MAX_CALLEE_LINES} lines, not {}", lines.len()),
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let chars = line.trim().chars().count();
        if !(1..=MAX_CALLEE_LINE_CHARS).contains(&chars) {
            errors.push(
                format!("callee_lines[{i}]"),
                format!("must be 1 to {MAX_CALLEE_LINE_CHARS} characters, not {chars}"),
            );
        }
    }
    lines
        .into_iter()
        .map(|line| line.trim().to_owned())
        .collect()
}

/// `raw` if it is within `min..=max`; `None` (and an error if it was given) otherwise.
fn within(errors: &mut Errors, field: &str, raw: Option<i64>, min: u32, max: u32) -> Option<u32> {
    let value = raw?;
    match u32::try_from(value) {
        Ok(value) if (min..=max).contains(&value) => Some(value),
        _ => {
            errors.push(
                field,
                format!("must be between {min} and {max}, not {value}"),
            );
            None
        }
    }
}
