// Usage, aggregated in the database: from the dashboard's rollup when the period is whole
// 15-minute buckets (any local day, week or month is), else over the covering index
// `calls_usage`; and the dashboard's reads (dashboard.rs).

use crate::{Backend, ThisStore};
use crate::support::{OrBackend, get, get_id};
use switchyard_core::store::StoreResult;
use switchyard_core::usage::{UsageBucket, UseCaseUsage};
use switchyard_core::Timestamp;
use switchyard_core::id::OrgId;
use switchyard_core::store::UsageStore;
use switchyard_core::dashboard::{BUCKET_MILLIS, DashboardRollup};
use switchyard_core::id::UseCaseId;

/// The calls themselves, through the covering index `calls_usage`.
const CALLS: &str = "(SELECT organization_id, created_at, use_case_id, 1 AS calls, \
    duration_secs AS seconds FROM calls) AS c";
/// The dashboard's rollup (migration 0014), whose rows are 15 minutes of calls: a month of
/// a busy organization is tens of thousands of rows instead of its calls.
const ROLLUP: &str = "(SELECT organization_id, bucket AS created_at, use_case_id, calls, \
    duration_ms / 1000.0 AS seconds FROM call_rollup) AS r";

/// Whether every bound and bucket length is a whole number of rollup buckets, so that the
/// rollup holds exactly the calls asked for.
fn in_rollup(millis: &[i64]) -> bool {
    millis.iter().all(|m| m % BUCKET_MILLIS == 0)
}

#[async_trait::async_trait]
impl UsageStore for ThisStore {
    async fn usage_buckets(
        &self,
        org: OrgId,
        from: Timestamp,
        to: Timestamp,
        bucket_secs: i64,
    ) -> StoreResult<Vec<UsageBucket>> {
        let bucket_millis = bucket_secs.max(1) * 1000;
        let table = if in_rollup(&[from.millis(), to.millis(), bucket_millis]) {
            ROLLUP
        } else {
            CALLS
        };
        let rows = sqlx::query(&format!(
            "SELECT (created_at / $4) * $4 AS start, CAST(SUM(calls) AS BIGINT) AS calls, \
             CAST(COALESCE(SUM(seconds), 0.0) AS DOUBLE PRECISION) AS seconds FROM {table} \
             WHERE organization_id = $1 AND created_at >= $2 AND created_at < $3 \
             GROUP BY 1 ORDER BY 1"
        ))
        .bind(org.to_string())
        .bind(from.millis())
        .bind(to.millis())
        .bind(bucket_millis)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.iter()
            .map(|row| {
                Ok(UsageBucket {
                    start: Timestamp::from_millis(get(row, "start")?),
                    calls: get::<i64>(row, "calls")? as u64,
                    duration_secs: get(row, "seconds")?,
                })
            })
            .collect()
    }

    async fn usage_by_use_case(
        &self,
        org: OrgId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<UseCaseUsage>> {
        let table = if in_rollup(&[from.millis(), to.millis()]) {
            ROLLUP
        } else {
            CALLS
        };
        let rows = sqlx::query(&format!(
            "SELECT use_case_id, CAST(SUM(calls) AS BIGINT) AS calls, \
             CAST(COALESCE(SUM(seconds), 0.0) AS DOUBLE PRECISION) AS seconds FROM {table} \
             WHERE organization_id = $1 AND created_at >= $2 AND created_at < $3 \
             GROUP BY use_case_id ORDER BY use_case_id"
        ))
        .bind(org.to_string())
        .bind(from.millis())
        .bind(to.millis())
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.iter()
            .map(|row| {
                Ok(UseCaseUsage {
                    use_case_id: get_id(row, "use_case_id")?,
                    calls: get::<i64>(row, "calls")? as u64,
                    duration_secs: get(row, "seconds")?,
                })
            })
            .collect()
    }

    async fn dashboard_rollup(
        &self,
        org: OrgId,
        use_case: Option<UseCaseId>,
        days: &[Timestamp],
        tag_limit: u32,
    ) -> StoreResult<DashboardRollup> {
        crate::dashboard::rollup(self.reader(), org, use_case, days, tag_limit).await
    }

    async fn talk_time_in_bin(
        &self,
        org: OrgId,
        use_case: Option<UseCaseId>,
        period: (Timestamp, Timestamp),
        bin: i64,
        rank: u64,
    ) -> StoreResult<Option<f64>> {
        crate::dashboard::talk_time_in_bin(self.reader(), org, use_case, period, bin, rank).await
    }
}
