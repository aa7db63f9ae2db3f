// Usage, aggregated in the database over the covering index `calls_usage`, and the
// organization's time zone that usage periods are reported in.

use crate::{Backend, ThisStore};
use crate::support::{OrBackend, get, get_id};
use switchyard_core::store::StoreResult;
use switchyard_core::usage::{UsageBucket, UseCaseUsage};
use switchyard_core::Timestamp;
use switchyard_core::id::OrgId;
use switchyard_core::store::UsageStore;
use switchyard_core::dashboard::DashboardRollup;
use switchyard_core::id::UseCaseId;

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
        let rows = sqlx::query(
            "SELECT (created_at / $4) * $4 AS bucket, COUNT(*) AS calls, \
             COALESCE(SUM(duration_secs), 0.0) AS seconds FROM calls \
             WHERE organization_id = $1 AND created_at >= $2 AND created_at < $3 \
             GROUP BY bucket ORDER BY bucket",
        )
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
                    start: Timestamp::from_millis(get(row, "bucket")?),
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
        let rows = sqlx::query(
            "SELECT use_case_id, COUNT(*) AS calls, COALESCE(SUM(duration_secs), 0.0) AS seconds \
             FROM calls WHERE organization_id = $1 AND created_at >= $2 AND created_at < $3 \
             GROUP BY use_case_id ORDER BY use_case_id",
        )
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
