//! The dashboard's figures as the database keeps them: calls rolled up per 15 minutes
//! (every time zone's offset is a multiple of 15 minutes, so a local day is a whole number
//! of buckets), by use case, status, end reason and talk-time bin. Triggers keep the
//! rollup exact on every write (migration `0014_dashboard.sql`).

use crate::call::Call;
use crate::lifecycle::CallStatus;

/// The rollup's time bucket, in milliseconds.
pub const BUCKET_MILLIS: i64 = 15 * 60 * 1000;

/// Money in the rollup: millionths of the currency unit, so that sums stay exact.
pub fn micros(amount: f64) -> i64 {
    (amount * 1_000_000.0).round() as i64
}

/// Whether a call was answered: it reached `In progress`. Completed, Transferred and
/// AMD Terminated calls only come from there; a call that failed after being answered is
/// told by its talk time.
pub fn answered(status: CallStatus, duration: Option<f64>) -> bool {
    match status {
        CallStatus::InProgress
        | CallStatus::Completed
        | CallStatus::Transferred
        | CallStatus::AmdTerminated => true,
        CallStatus::Failed => duration.is_some_and(|d| d > 0.0),
        _ => false,
    }
}

/// The talk-time bin of an answered call that has ended (`None` otherwise): 10 s wide up
/// to 5 minutes, 60 s up to an hour, 10 minutes beyond. Bins only narrow the search for
/// a percentile; the value reported is the call's own duration.
pub fn talk_bin(call: &Call) -> Option<i64> {
    let duration = call.duration?;
    (call.status.is_final() && answered(call.status, call.duration)).then(|| bin_of(duration))
}

pub fn bin_of(duration: f64) -> i64 {
    let d = duration.max(0.0);
    if d < 300.0 {
        (d / 10.0).floor() as i64
    } else if d < 3600.0 {
        30 + ((d - 300.0) / 60.0).floor() as i64
    } else {
        85 + ((d - 3600.0) / 600.0).floor() as i64
    }
}

/// Calls per status in one local day (`day` indexes the boundaries asked for).
#[derive(Clone, Debug, PartialEq)]
pub struct DayStatus {
    pub day: usize,
    pub status: CallStatus,
    pub calls: u64,
    pub telephony_micros: i64,
    pub ai_micros: i64,
}

/// Calls over the whole period by status, end reason and talk-time bin.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodRow {
    pub status: CallStatus,
    /// The contract's `end_reason`; empty while the call has none.
    pub end_reason: String,
    pub talk_bin: Option<i64>,
    pub calls: u64,
}

/// The rollup read for one period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DashboardRollup {
    pub days: Vec<DayStatus>,
    pub outcomes: Vec<PeriodRow>,
    /// Tags and their calls, most first (ties by name), at most the limit asked for.
    pub tags: Vec<(String, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same edges as the backfill's CASE in migration 0014.
    #[test]
    fn talk_bins_widen_with_the_duration() {
        let bins: Vec<i64> = [
            0.0, 9.99, 10.0, 299.9, 300.0, 359.9, 360.0, 3599.0, 3600.0, 4200.0,
        ]
        .map(bin_of)
        .to_vec();
        assert_eq!(bins, [0, 0, 1, 29, 30, 30, 31, 84, 85, 86]);
    }

    #[test]
    fn only_answered_calls_that_ended_talk() {
        assert!(answered(CallStatus::InProgress, None));
        assert!(answered(CallStatus::Failed, Some(3.0)));
        assert!(!answered(CallStatus::Failed, Some(0.0)));
        assert!(!answered(CallStatus::Busy, Some(0.0)));
        assert!(!answered(CallStatus::Canceled, None));
    }
}
