//! The dashboard (`/dashboard`): how the organization's calls went over a period of local
//! days, optionally for one use case. Everyone in the organization reads it. Figures come
//! from the store's rollup (`UsageStore::dashboard_rollup`), never from the calls
//! themselves, except for the two talk-time percentiles, read exactly from the calls of
//! one talk-time bin; the usage figures are `GET /usage`'s own ([`crate::usage::usage`]).

mod outcome;
mod period;

pub use outcome::Outcome;
pub use period::{MAX_DAYS, Period, PeriodKind};

use crate::auth::Caller;
use crate::usage::{UsageQuery, UsageRows, UseCaseUsage};
use crate::validate::parse_field_id;
use crate::{ServiceError, ServiceResult, Services};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::BTreeMap;
use switchyard_core::dashboard::DashboardRollup;
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::StoreError;
use switchyard_core::{OrgId, UseCaseId};

/// How many end reasons and tags are listed.
const TOP: u32 = 10;

/// The dashboard form's fields; every one optional.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DashboardParams {
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub use_case_id: Option<String>,
}

/// One local day.
#[derive(Clone, Debug)]
pub struct Day {
    pub date: NaiveDate,
    /// Calls per outcome, in the order of [`Outcome::ALL`].
    pub outcomes: [u64; 9],
    pub telephony_micros: i64,
    pub ai_micros: i64,
}

impl Day {
    pub fn calls(&self) -> u64 {
        self.outcomes.iter().sum()
    }
}

/// Talk time of the answered calls that have ended: exact nearest-rank percentiles.
#[derive(Clone, Debug, Default)]
pub struct TalkTime {
    pub calls: u64,
    pub median_secs: Option<f64>,
    pub p90_secs: Option<f64>,
}

pub struct Dashboard {
    pub period: Period,
    pub timezone: String,
    pub use_case: Option<UseCaseId>,
    pub days: Vec<Day>,
    pub calls: u64,
    /// Calls that reached `In progress` (a failed call counts if it talked).
    pub answered: u64,
    /// Calls whose dialing ended: answered, busy, no answer or failed.
    pub dialed: u64,
    pub talk: TalkTime,
    pub end_reasons: Vec<(String, u64)>,
    pub tags: Vec<(String, u64)>,
    /// `GET /usage?start=<first day>&end=<last day>` (per use case, of this one only when
    /// a use case is chosen).
    pub usage: Vec<UseCaseUsage>,
}

impl Dashboard {
    /// `answered / dialed`, `None` when nothing was dialed.
    pub fn answer_rate(&self) -> Option<f64> {
        (self.dialed > 0).then(|| self.answered as f64 / self.dialed as f64)
    }

    pub fn telephony_micros(&self) -> i64 {
        self.days.iter().map(|d| d.telephony_micros).sum()
    }

    pub fn ai_micros(&self) -> i64 {
        self.days.iter().map(|d| d.ai_micros).sum()
    }

    pub fn usage_calls(&self) -> u64 {
        self.usage.iter().map(|u| u.calls).sum()
    }

    pub fn usage_minutes(&self) -> f64 {
        self.usage.iter().map(|u| u.minutes).sum()
    }
}

/// The dashboard for `params`, in the organization's time zone at its clock's "now".
pub async fn dashboard(
    services: &Services,
    caller: &Caller,
    params: &DashboardParams,
) -> ServiceResult<Dashboard> {
    let org = caller.organization_id;
    let organization = services.store.get_organization(org).await?;
    let tz: Tz = organization.timezone.parse().unwrap_or(Tz::UTC);
    let now = services.clock.now_for(org);
    let period = Period::parse(
        params.period.as_deref(),
        params.from.as_deref(),
        params.to.as_deref(),
        tz,
        now,
    );
    let use_case = use_case(services, org, params.use_case_id.as_deref()).await;
    let (period, use_case) = match (period, use_case) {
        (Ok(period), Ok(use_case)) => (period, use_case),
        (period, use_case) => return Err(merge(period.err(), use_case.err())),
    };
    let rollup = services
        .store
        .dashboard_rollup(org, use_case, &period.bounds, TOP)
        .await?;
    let usage = match crate::usage::usage(
        services,
        caller,
        &UsageQuery::dates(period.first, period.last),
    )
    .await?
    {
        UsageRows::UseCases(rows) => rows,
        UsageRows::Periods(_) => Vec::new(),
    };
    let usage = usage
        .into_iter()
        .filter(|row| use_case.is_none_or(|id| row.use_case_id == id))
        .collect();
    let talk = talk_time(services, org, use_case, &period, &rollup).await?;
    Ok(figures(
        period,
        organization.timezone,
        use_case,
        rollup,
        talk,
        usage,
    ))
}

/// The use case chosen, if any; another organization's is unknown, like a made-up one.
async fn use_case(
    services: &Services,
    org: OrgId,
    raw: Option<&str>,
) -> ServiceResult<Option<UseCaseId>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let id = parse_field_id("use_case_id", raw).map_err(|e| ServiceError::invalid(vec![e]))?;
    match services.store.get_use_case(org, id).await {
        Ok(found) => Ok(Some(found.id)),
        Err(StoreError::NotFound(_)) => Err(ServiceError::invalid_field(
            "use_case_id",
            "no such use case in your organization",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Both parts' field errors in one answer.
fn merge(first: Option<ServiceError>, second: Option<ServiceError>) -> ServiceError {
    let mut errors = Vec::new();
    for error in [first, second].into_iter().flatten() {
        match error {
            ServiceError::Invalid { errors: fields, .. } => errors.extend(fields),
            other => return other,
        }
    }
    ServiceError::invalid(errors)
}

fn figures(
    period: Period,
    timezone: String,
    use_case: Option<UseCaseId>,
    rollup: DashboardRollup,
    talk: TalkTime,
    usage: Vec<UseCaseUsage>,
) -> Dashboard {
    let mut days: Vec<Day> = period
        .dates()
        .map(|date| Day {
            date,
            outcomes: [0; 9],
            telephony_micros: 0,
            ai_micros: 0,
        })
        .collect();
    for row in &rollup.days {
        if let Some(day) = days.get_mut(row.day) {
            let at = Outcome::ALL
                .iter()
                .position(|o| *o == Outcome::of(row.status));
            day.outcomes[at.unwrap_or(0)] += row.calls;
            day.telephony_micros += row.telephony_micros;
            day.ai_micros += row.ai_micros;
        }
    }
    let (mut calls, mut answered, mut dialed) = (0, 0, 0);
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for row in &rollup.outcomes {
        calls += row.calls;
        if row.status == CallStatus::InProgress || row.talk_bin.is_some() {
            answered += row.calls;
        }
        if Outcome::dialed(row.status) {
            dialed += row.calls;
        }
        if !row.end_reason.is_empty() {
            *reasons.entry(row.end_reason.clone()).or_default() += row.calls;
        }
    }
    let mut end_reasons: Vec<(String, u64)> = reasons.into_iter().collect();
    end_reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    end_reasons.truncate(TOP as usize);
    Dashboard {
        period,
        timezone,
        use_case,
        days,
        calls,
        answered,
        dialed,
        talk,
        end_reasons,
        tags: rollup.tags,
        usage,
    }
}

/// Finds each percentile's bin from the rollup, then the call at its rank in that bin.
async fn talk_time(
    services: &Services,
    org: OrgId,
    use_case: Option<UseCaseId>,
    period: &Period,
    rollup: &DashboardRollup,
) -> ServiceResult<TalkTime> {
    let mut bins: BTreeMap<i64, u64> = BTreeMap::new();
    for row in &rollup.outcomes {
        if let Some(bin) = row.talk_bin {
            *bins.entry(bin).or_default() += row.calls;
        }
    }
    let calls: u64 = bins.values().sum();
    let at = |p: f64| {
        let rank = ((p * calls as f64).ceil() as u64).max(1);
        let mut before = 0;
        for (bin, count) in &bins {
            if before + count >= rank {
                return Some((*bin, rank - before - 1));
            }
            before += count;
        }
        None
    };
    let (median, p90) = (at(0.5), at(0.9));
    let range = (period.start(), period.end());
    let read = |found: Option<(i64, u64)>| async move {
        match found {
            None => Ok(None),
            Some((bin, rank)) => services
                .store
                .talk_time_in_bin(org, use_case, range, bin, rank)
                .await
                .map_err(ServiceError::from),
        }
    };
    Ok(TalkTime {
        calls,
        median_secs: read(median).await?,
        p90_secs: read(p90).await?,
    })
}
