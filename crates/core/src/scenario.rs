//! Scenarios (sandbox only): what the simulated far end does when a call reaches, or comes
//! from, a number a scenario matches. The engine picks one when it places a call and keeps
//! what it decided as the call's [`FarEnd`], so a call taken over after a crash replays
//! the same.

use crate::Timestamp;
use crate::id::{OrgId, ScenarioId};
use crate::phone::PhoneNumber;
use crate::string_enum::string_enum;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

string_enum! {
    /// How a call governed by a scenario ends.
    pub enum Outcome {
        Completed => "completed", Busy => "busy", NoAnswer => "no_answer", Failed => "failed",
        Voicemail => "voicemail", Transferred => "transferred", MaxDuration => "max_duration",
        Dropped => "dropped",
    }
}

pub const DEFAULT_RING_SECS: u32 = 5;
pub const MAX_RING_SECS: u32 = 120;
pub const DEFAULT_TALK_SECS: u32 = 60;
pub const MAX_TALK_SECS: u32 = 3600;
pub const MAX_CALLEE_LINES: usize = 50;
pub const MAX_CALLEE_LINE_CHARS: usize = 500;
pub const MAX_WEIGHT: u32 = 1_000_000;

/// Which numbers a scenario governs: one exactly, or every number starting with a prefix
/// (`+1555*`; `*` alone is every number).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum NumberMatch {
    Exact(PhoneNumber),
    Prefix(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is neither an E.164 number (+14155550123) nor a prefix ending in `*` (+1555*, or `*` for every number)"
)]
pub struct MalformedMatch(pub String);

impl NumberMatch {
    pub fn parse(text: &str) -> Result<NumberMatch, MalformedMatch> {
        let malformed = || MalformedMatch(text.to_owned());
        let Some(prefix) = text.strip_suffix('*') else {
            return PhoneNumber::parse(text)
                .map(NumberMatch::Exact)
                .map_err(|_| malformed());
        };
        let digits = prefix.strip_prefix('+').unwrap_or("");
        let is_prefix =
            (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        if prefix.is_empty() || is_prefix {
            Ok(NumberMatch::Prefix(prefix.to_owned()))
        } else {
            Err(malformed())
        }
    }

    pub fn matches(&self, number: &str) -> bool {
        match self {
            NumberMatch::Exact(exact) => exact.as_str() == number,
            NumberMatch::Prefix(prefix) => number.starts_with(prefix.as_str()),
        }
    }

    /// Higher is more specific: an exact number beats every prefix, a longer prefix a
    /// shorter one.
    fn specificity(&self) -> usize {
        match self {
            NumberMatch::Exact(_) => usize::MAX,
            NumberMatch::Prefix(prefix) => prefix.len(),
        }
    }
}

impl TryFrom<String> for NumberMatch {
    type Error = MalformedMatch;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        NumberMatch::parse(&text)
    }
}

impl From<NumberMatch> for String {
    fn from(m: NumberMatch) -> String {
        match m {
            NumberMatch::Exact(number) => number.into(),
            NumberMatch::Prefix(prefix) => format!("{prefix}*"),
        }
    }
}

/// What the simulated far end does for the numbers it matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scenario {
    pub id: ScenarioId,
    pub organization_id: OrgId,
    /// An E.164 number, or a prefix ending in `*`. Outbound calls match on the number
    /// called, inbound ones on the caller's.
    #[serde(rename = "match")]
    #[schema(value_type = String)]
    pub number_match: NumberMatch,
    /// The one outcome of every call; `null` when `weights` draws it.
    #[schema(required = true)]
    pub outcome: Option<Outcome>,
    /// Outcomes and their weights, drawn per call from `seed` and the call; `null` when
    /// `outcome` is fixed.
    #[schema(required = true, value_type = Option<std::collections::HashMap<String, u32>>)]
    pub weights: Option<BTreeMap<Outcome, u32>>,
    /// Seconds the phone rings before the outcome (answered, busy, ...).
    pub ring_secs: u32,
    /// Seconds of conversation once answered (before the hang-up, transfer or drop).
    pub talk_secs: u32,
    /// What the person says, in order, instead of the simulated callee's phrases.
    pub callee_lines: Vec<String>,
    pub seed: u64,
    pub created_at: Timestamp,
}

impl Scenario {
    /// The outcome for a call whose draw is `draw`: the fixed one, or the weights' pick
    /// (each outcome in proportion to its weight).
    pub fn outcome_for(&self, draw: u64) -> Outcome {
        let Some(weights) = self.weights.as_ref().filter(|w| !w.is_empty()) else {
            return self.outcome.unwrap_or(Outcome::Completed);
        };
        let total: u64 = weights.values().map(|w| u64::from(*w)).sum();
        let mut left = draw % total.max(1);
        for (outcome, weight) in weights {
            if left < u64::from(*weight) {
                return *outcome;
            }
            left -= u64::from(*weight);
        }
        Outcome::Completed
    }
}

/// The scenario governing calls to (or from) `number`: the most specific match, and of
/// equally specific ones the newest.
pub fn pick<'a>(scenarios: &'a [Scenario], number: &str) -> Option<&'a Scenario> {
    scenarios
        .iter()
        .filter(|s| s.number_match.matches(number))
        .max_by_key(|s| (s.number_match.specificity(), s.created_at, s.id))
}

/// What the far end of one call does, fixed when the call was placed from the scenario
/// that matched it, and kept in the call's run state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FarEnd {
    pub scenario_id: ScenarioId,
    pub outcome: Outcome,
    pub ring_secs: u32,
    pub talk_secs: u32,
    pub callee_lines: Vec<String>,
    /// What the simulated network draws the call's timings, words and audio from, in
    /// place of the call id (whose random bytes would make every run differ).
    pub key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(pattern: &str, created_secs: i64) -> Scenario {
        let at = Timestamp::from_millis(created_secs * 1000);
        Scenario {
            id: ScenarioId::new(at),
            organization_id: OrgId::new(at),
            number_match: NumberMatch::parse(pattern).unwrap(),
            outcome: Some(Outcome::Busy),
            weights: None,
            ring_secs: DEFAULT_RING_SECS,
            talk_secs: DEFAULT_TALK_SECS,
            callee_lines: vec![],
            seed: 0,
            created_at: at,
        }
    }

    #[test]
    fn matches_are_parsed_strictly() {
        for good in ["*", "+1*", "+1555*", "+14155550123"] {
            let parsed = NumberMatch::parse(good).unwrap();
            assert_eq!(String::from(parsed), good);
        }
        for bad in ["", "+", "+*", "1555*", "+1a*", "+1555**", "+123", "**"] {
            assert!(NumberMatch::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_most_specific_then_the_newest_match_wins() {
        let all = [
            scenario("*", 1),
            scenario("+1555*", 2),
            scenario("+15*", 3),
            scenario("+15550001111", 4),
            scenario("+1555*", 5),
        ];
        let picked = |number| pick(&all, number).map(|s| s.created_at.millis() / 1000);
        assert_eq!(picked("+15550001111"), Some(4));
        assert_eq!(picked("+15550002222"), Some(5));
        assert_eq!(picked("+15990000000"), Some(3));
        assert_eq!(picked("+44"), Some(1));
        assert_eq!(pick(&all[1..2], "+44"), None);
    }

    #[test]
    fn weights_pick_in_proportion() {
        let mut s = scenario("*", 1);
        s.weights = Some(BTreeMap::from([
            (Outcome::Busy, 1),
            (Outcome::Completed, 3),
        ]));
        let picks: Vec<Outcome> = (0..4).map(|draw| s.outcome_for(draw)).collect();
        assert_eq!(
            picks,
            [
                Outcome::Completed,
                Outcome::Completed,
                Outcome::Completed,
                Outcome::Busy
            ]
        );
    }
}
