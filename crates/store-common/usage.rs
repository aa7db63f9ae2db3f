// Usage, aggregated in the database over the covering index `calls_usage`, and the
// organization's time zone that usage periods are reported in.

use crate::ThisStore;
use crate::support::{OrBackend, found, get, get_id};
use switchyard_core::store::StoreResult;
use switchyard_core::usage::{UsageBucket, UseCaseUsage};
use switchyard_core::{Id, Timestamp};

pub(crate) async fn usage_buckets(
    store: &ThisStore,
    org: Id,
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
    .fetch_all(store.reader())
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

pub(crate) async fn usage_by_use_case(
    store: &ThisStore,
    org: Id,
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
    .fetch_all(store.reader())
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

pub(crate) async fn set_organization_timezone(
    store: &ThisStore,
    org: Id,
    timezone: &str,
) -> StoreResult<()> {
    let mut tx = store.write_tx().await?;
    let done = sqlx::query("UPDATE organizations SET timezone = $2 WHERE id = $1")
        .bind(org.to_string())
        .bind(timezone)
        .execute(&mut *tx)
        .await
        .db()?;
    found(done.rows_affected())?;
    tx.commit().await.db()
}
