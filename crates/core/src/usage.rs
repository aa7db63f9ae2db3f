//! Usage (contract §4 #8) as the database aggregates it; the API folds buckets into the
//! organization's local days, weeks and months.

use crate::Timestamp;
use crate::id::UseCaseId;

/// Calls created in `[start, start + bucket)`.
#[derive(Clone, Debug, PartialEq)]
pub struct UsageBucket {
    pub start: Timestamp,
    pub calls: u64,
    /// Sum of the calls' `duration`, in seconds.
    pub duration_secs: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UseCaseUsage {
    pub use_case_id: UseCaseId,
    pub calls: u64,
    pub duration_secs: f64,
}
