//! Campaign retries (contract §5): a campaign call that ends in one of a rule's statuses is
//! dialed again `retry_period` minutes later, up to the campaign's `max_retries` in all and
//! at most `max_retry_per_day` a day. A retry is a new call whose `parent_call_id` is the
//! call it retries, created in the same transaction as that call's end.

use crate::engine::Engine;
use serde_json::json;
use switchyard_core::call::Call;
use switchyard_core::call_log::NewLog;
use switchyard_core::campaign::RetryRule;
use switchyard_core::enums::EndReason;
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::{StoreError, StoreResult};
use switchyard_core::{Id, Timestamp};

const DAY_MILLIS: i64 = 86_400_000;

impl Engine {
    /// The retry of `call`, which has just ended at `at`, if its campaign asks for one.
    pub(crate) async fn campaign_retry(
        &self,
        call: &Call,
        at: Timestamp,
        logs: &mut Vec<NewLog>,
    ) -> StoreResult<Option<Call>> {
        let Some(campaign_id) = call.campaign_id else {
            return Ok(None);
        };
        // A person canceled or stopped it: calling again would overrule them.
        if matches!(
            call.end_reason,
            Some(EndReason::Canceled | EndReason::Stopped)
        ) {
            return Ok(None);
        }
        let campaign = match self
            .store
            .get_campaign(call.organization_id, campaign_id)
            .await
        {
            Ok(campaign) => campaign,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(other) => return Err(other),
        };
        let Some(rule) = campaign
            .retry_logic
            .iter()
            .find(|rule| matches(rule, call.status))
        else {
            return Ok(None);
        };
        // The earlier attempts: this call's parents, back to the campaign's original call.
        let mut earlier = Vec::new();
        let mut parent = call.parent_call_id;
        while let Some(id) = parent.filter(|_| earlier.len() < campaign.max_retries as usize) {
            match self.store.get_call(call.organization_id, id).await {
                Ok(previous) => {
                    parent = previous.parent_call_id;
                    earlier.push(previous.scheduled_for.unwrap_or(previous.created));
                }
                Err(StoreError::NotFound(_)) => break,
                Err(other) => return Err(other),
            }
        }
        // `call` itself is a retry for each parent it has.
        let retries_so_far = earlier.len() as u32;
        if retries_so_far >= campaign.max_retries {
            logs.push(NewLog::info(
                at,
                "campaign",
                format!(
                    "no retry: the campaign's {} retries are used up",
                    campaign.max_retries
                ),
                json!({"campaign_id": campaign_id, "max_retries": campaign.max_retries}),
            ));
            return Ok(None);
        }
        let mut retry_times = earlier;
        retry_times.pop(); // the original call is not a retry
        retry_times.push(call.scheduled_for.unwrap_or(call.created));
        if call.parent_call_id.is_none() {
            retry_times.clear();
        }
        let mut due = at.plus_seconds(i64::from(rule.retry_period) * 60);
        // Past the day's allowance, the retry waits for the next (UTC) day.
        while same_day_count(&retry_times, due) >= rule.max_retry_per_day.max(1) {
            due = Timestamp::from_millis((due.millis() / DAY_MILLIS + 1) * DAY_MILLIS);
        }
        let retry = retry_of(call, at, due);
        logs.push(NewLog::info(
            at,
            "campaign",
            format!(
                "retry {} scheduled for {due} (retry {} of {})",
                retry.id,
                retries_so_far + 1,
                campaign.max_retries
            ),
            json!({"retry_call_id": retry.id, "scheduled_for": due, "retry": retries_so_far + 1}),
        ));
        Ok(Some(retry))
    }
}

fn matches(rule: &RetryRule, status: CallStatus) -> bool {
    rule.query.split(',').any(|s| s.trim() == status.as_str())
}

fn same_day_count(times: &[Timestamp], day_of: Timestamp) -> u32 {
    let day = day_of.millis().div_euclid(DAY_MILLIS);
    times
        .iter()
        .filter(|t| t.millis().div_euclid(DAY_MILLIS) == day)
        .count() as u32
}

/// A fresh call to the same person with the same settings, due at `due`.
fn retry_of(call: &Call, now: Timestamp, due: Timestamp) -> Call {
    let mut retry = call.clone();
    retry.id = Id::new(now);
    retry.status = CallStatus::Scheduled;
    retry.created = now;
    retry.scheduled_for = Some(due);
    retry.parent_call_id = Some(call.id);
    retry.metadata.call_sid = None;
    retry.metadata.recording_sid = None;
    if let Some(classification) = &call.classification {
        retry.metadata.tags.retain(|tag| *tag != classification.tag);
    }
    retry.viewed_by = Vec::new();
    retry.notes = Vec::new();
    retry.ratings = Vec::new();
    retry.extraction = None;
    retry.classification = None;
    retry.duration = None;
    retry.use_backup = None;
    retry.costs = None;
    retry.end_reason = None;
    retry.answered_by = None;
    retry.transfer_contact_email = None;
    retry
}
