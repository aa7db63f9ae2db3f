// The dashboard's reads of the rollup kept by migration 0014's triggers: a month of a busy
// organization is tens of thousands of small rows, summed in the database.

use crate::support::{OrBackend, get};
use sqlx::QueryBuilder;
use std::collections::BTreeMap;
use switchyard_core::Timestamp;
use switchyard_core::dashboard::{DashboardRollup, DayStatus, PeriodRow};
use switchyard_core::id::{OrgId, UseCaseId};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::StoreResult;

type Pool = sqlx::Pool<crate::Db>;

pub(crate) async fn rollup(
    pool: &Pool,
    org: OrgId,
    use_case: Option<UseCaseId>,
    days: &[Timestamp],
    tag_limit: u32,
) -> StoreResult<DashboardRollup> {
    let (Some(from), Some(to)) = (days.first(), days.last()) else {
        return Ok(DashboardRollup::default());
    };
    if days.len() < 2 {
        return Ok(DashboardRollup::default());
    }
    let (days, outcomes) = per_day(pool, org, use_case, days).await?;
    Ok(DashboardRollup {
        days,
        outcomes,
        tags: tags(pool, org, use_case, (*from, *to), tag_limit).await?,
    })
}

/// `AND r.use_case_id = ...` when one use case is asked for.
fn push_use_case(qb: &mut QueryBuilder<'static, crate::Db>, use_case: Option<UseCaseId>) {
    if let Some(id) = use_case {
        qb.push(" AND r.use_case_id = ").push_bind(id.to_string());
    }
}

fn push_range(qb: &mut QueryBuilder<'static, crate::Db>, org: OrgId, (from, to): (Timestamp, Timestamp)) {
    qb.push(" WHERE r.organization_id = ").push_bind(org.to_string());
    qb.push(" AND r.bucket >= ").push_bind(from.millis());
    qb.push(" AND r.bucket < ").push_bind(to.millis());
}

fn status(text: &str) -> StoreResult<CallStatus> {
    text.parse().map_err(crate::support::backend)
}

/// One read of the period's rollup rows, one range seek per day (the days are a small
/// table joined to it), summed per day and per outcome here: a few thousand rows.
async fn per_day(
    pool: &Pool,
    org: OrgId,
    use_case: Option<UseCaseId>,
    days: &[Timestamp],
) -> StoreResult<(Vec<DayStatus>, Vec<PeriodRow>)> {
    let mut qb = QueryBuilder::new("WITH days (day, day_start, day_end) AS (VALUES ");
    for (i, pair) in days.windows(2).enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push("(CAST(").push_bind(i as i64);
        qb.push(" AS BIGINT), CAST(").push_bind(pair[0].millis());
        qb.push(" AS BIGINT), CAST(").push_bind(pair[1].millis());
        qb.push(" AS BIGINT))");
    }
    qb.push(
        ") SELECT d.day AS day, r.status AS status, r.end_reason AS end_reason, \
         r.talk_bin AS talk_bin, CAST(SUM(r.calls) AS BIGINT) AS calls, \
         CAST(SUM(r.telephony_micros) AS BIGINT) AS telephony, \
         CAST(SUM(r.ai_micros) AS BIGINT) AS ai \
         FROM days d JOIN call_rollup r ON r.organization_id = ",
    )
    .push_bind(org.to_string());
    qb.push(" AND r.bucket >= d.day_start AND r.bucket < d.day_end");
    push_use_case(&mut qb, use_case);
    qb.push(" GROUP BY d.day, r.status, r.end_reason, r.talk_bin");
    let rows = qb.build().fetch_all(pool).await.db()?;
    let mut by_day: BTreeMap<(usize, CallStatus), DayStatus> = BTreeMap::new();
    let mut by_outcome: BTreeMap<(CallStatus, String, i64), u64> = BTreeMap::new();
    for row in &rows {
        let day = get::<i64>(row, "day")? as usize;
        let status = status(&get::<String>(row, "status")?)?;
        let calls = get::<i64>(row, "calls")? as u64;
        let entry = by_day.entry((day, status)).or_insert(DayStatus {
            day,
            status,
            calls: 0,
            telephony_micros: 0,
            ai_micros: 0,
        });
        entry.calls += calls;
        entry.telephony_micros += get::<i64>(row, "telephony")?;
        entry.ai_micros += get::<i64>(row, "ai")?;
        let key = (status, get(row, "end_reason")?, get(row, "talk_bin")?);
        *by_outcome.entry(key).or_default() += calls;
    }
    let outcomes = by_outcome
        .into_iter()
        .map(|((status, end_reason, bin), calls)| PeriodRow {
            status,
            end_reason,
            talk_bin: (bin >= 0).then_some(bin),
            calls,
        })
        .collect();
    Ok((by_day.into_values().collect(), outcomes))
}

async fn tags(
    pool: &Pool,
    org: OrgId,
    use_case: Option<UseCaseId>,
    period: (Timestamp, Timestamp),
    limit: u32,
) -> StoreResult<Vec<(String, u64)>> {
    let mut qb = QueryBuilder::new(
        "SELECT r.tag AS tag, CAST(SUM(r.calls) AS BIGINT) AS calls FROM call_tag_rollup r",
    );
    push_range(&mut qb, org, period);
    push_use_case(&mut qb, use_case);
    qb.push(" GROUP BY r.tag ORDER BY 2 DESC, 1 LIMIT ")
        .push_bind(i64::from(limit));
    let rows = qb.build().fetch_all(pool).await.db()?;
    rows.iter()
        .map(|row| Ok((get(row, "tag")?, get::<i64>(row, "calls")? as u64)))
        .collect()
}

/// Reads the calls of one bin only, through the partial index `calls_talk`.
pub(crate) async fn talk_time_in_bin(
    pool: &Pool,
    org: OrgId,
    use_case: Option<UseCaseId>,
    (from, to): (Timestamp, Timestamp),
    bin: i64,
    rank: u64,
) -> StoreResult<Option<f64>> {
    let mut qb = QueryBuilder::new("SELECT r.duration_secs AS duration FROM calls r");
    qb.push(" WHERE r.organization_id = ").push_bind(org.to_string());
    qb.push(" AND r.talk_bin = ").push_bind(bin);
    qb.push(" AND r.created_at >= ").push_bind(from.millis());
    qb.push(" AND r.created_at < ").push_bind(to.millis());
    push_use_case(&mut qb, use_case);
    qb.push(" ORDER BY r.duration_secs LIMIT 1 OFFSET ")
        .push_bind(rank as i64);
    let row = qb.build().fetch_optional(pool).await.db()?;
    row.map(|row| get::<Option<f64>>(&row, "duration"))
        .transpose()
        .map(Option::flatten)
}
