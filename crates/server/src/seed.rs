//! `switchyard seed --org ID --calls N`: realistic calls in bulk, for benchmarks and demos.
//! Spread over the past year; final statuses in realistic proportions (and a few calls
//! scheduled in the coming month); answered calls carry a transcript, extraction,
//! classification, tags, costs; some have notes, ratings, "viewed by" marks, a campaign.
//!
//! No live or queued calls: a running engine would dial them all at once. Calls are built
//! in memory a chunk at a time and written with multi-row inserts, one transaction per
//! chunk, so memory stays flat whatever N is.

use crate::error::ApiError;
use anyhow::Context;
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use serde_json::json;
use switchyard_core::call::{
    AgentRef, Call, CallMetadata, Classification, Costs, JsonObject, Note, Rating,
};
use switchyard_core::campaign::Campaign;
use switchyard_core::enums::{AnsweredBy, CallType, Emoji, EndReason, FieldType, Provider};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::Store;
use switchyard_core::transcript::Transcript;
use switchyard_core::use_case::{ClassificationTag, ExtractField, UseCase};
use switchyard_core::{Id, Timestamp};
use switchyard_engine::sim::{Ending, conversation};

/// Calls per transaction.
const CHUNK: usize = 5_000;
const CAMPAIGNS: usize = 12;
const YEAR_SECS: i64 = 365 * 86_400;
const CARRIERS: [&str; 6] = [
    "Acme Trucking",
    "Blue Line Freight",
    "Coastal Carriers",
    "Delta Haulage",
    "Eagle Logistics",
    "Frontier Transport",
];
const REVIEWERS: [&str; 3] = ["dispatch@seed.test", "ops@seed.test", "qa@seed.test"];
/// (status, end reason, answered) and how many in 100.
const OUTCOMES: [(CallStatus, EndReason, bool, u32); 9] = [
    (CallStatus::Completed, EndReason::Completed, true, 48),
    (CallStatus::Completed, EndReason::CustomerHangup, true, 8),
    (CallStatus::Completed, EndReason::Voicemail, true, 4),
    (CallStatus::Transferred, EndReason::Transferred, true, 6),
    (CallStatus::AmdTerminated, EndReason::Voicemail, true, 4),
    (CallStatus::Busy, EndReason::Busy, false, 9),
    (CallStatus::NoAnswer, EndReason::NoAnswer, false, 11),
    (CallStatus::Failed, EndReason::ProviderError, false, 3),
    (CallStatus::Canceled, EndReason::Canceled, false, 7),
];

/// Writes `count` calls into `org`, calling `progress` with the number written so far.
pub async fn seed(
    store: &dyn Store,
    org: Id,
    count: u64,
    now: Timestamp,
    progress: impl Fn(u64),
) -> anyhow::Result<()> {
    let organization = store
        .get_organization(org)
        .await
        .map_err(ApiError::from)
        .context("no such organization")?;
    let agent = store.get_agent(org, organization.default_agent_id).await?;
    let use_case = seeded_use_case(org, now);
    store.insert_use_case(&use_case).await?;
    let mut campaigns = Vec::with_capacity(CAMPAIGNS);
    for i in 0..CAMPAIGNS {
        let campaign = Campaign {
            id: Id::new(now),
            organization_id: org,
            name: Some(format!("Seeded campaign {}", i + 1)),
            retry_logic: Vec::new(),
            max_retries: 0,
            created_at: now,
        };
        store.insert_calls(org, &[], Some(&campaign), None).await?;
        campaigns.push(campaign.id);
    }
    let template = Template {
        org,
        agent: AgentRef {
            id: agent.id,
            name: agent.name,
        },
        use_case,
        campaigns,
        now,
    };
    let mut rng = SmallRng::from_os_rng();
    let mut written = 0u64;
    while written < count {
        let n = CHUNK.min((count - written) as usize);
        let mut calls = Vec::with_capacity(n);
        let mut transcripts = Vec::new();
        for _ in 0..n {
            let (call, transcript) = template.call(&mut rng);
            transcripts.extend(transcript);
            calls.push(call);
        }
        store.insert_calls(org, &calls, None, None).await?;
        store.insert_transcripts(org, &transcripts).await?;
        written += n as u64;
        progress(written);
    }
    Ok(())
}

fn seeded_use_case(org: Id, now: Timestamp) -> UseCase {
    let mut use_case = UseCase::new(Id::new(now), org, "Seeded carrier sales", now);
    use_case.extract_with_ai = vec![
        field("carrier_name", FieldType::String, json!("Acme Trucking")),
        field("agreed_rate", FieldType::Number, json!(1800)),
        field("load_id", FieldType::String, json!("LD-1000")),
    ];
    use_case.classification_tags = ["booked", "negotiating", "declined", "callback"]
        .iter()
        .map(|name| ClassificationTag {
            name: (*name).to_owned(),
            description: format!("The carrier {name}"),
        })
        .collect();
    use_case.transfer_number = Some("+13125550000".to_owned());
    use_case
}

fn field(name: &str, field_type: FieldType, example: serde_json::Value) -> ExtractField {
    ExtractField {
        name: name.to_owned(),
        description: String::new(),
        field_type,
        example: Some(example),
        required: false,
    }
}

struct Template {
    org: Id,
    agent: AgentRef,
    use_case: UseCase,
    campaigns: Vec<Id>,
    now: Timestamp,
}

impl Template {
    fn call(&self, rng: &mut SmallRng) -> (Call, Option<Transcript>) {
        let scheduled = rng.random_ratio(1, 50);
        let created = if scheduled {
            self.now.plus_seconds(-rng.random_range(0..3600))
        } else {
            self.now.plus_seconds(-rng.random_range(60..YEAR_SECS))
        };
        let carrier = *CARRIERS.choose(rng).unwrap_or(&CARRIERS[0]);
        let load = format!("LD-{}", rng.random_range(1000..99_999));
        let mut params = JsonObject::new();
        params.insert("carrier_name".into(), json!(carrier));
        params.insert("load_id".into(), json!(load));
        let mut call = Call {
            id: Id::new(created),
            organization_id: self.org,
            call_type: if rng.random_ratio(1, 5) {
                CallType::Inbound
            } else {
                CallType::Outbound
            },
            status: CallStatus::Scheduled,
            provider: Provider::Twilio,
            metadata: CallMetadata {
                call_sid: None,
                from: "+13125559000".to_owned(),
                to: format!(
                    "+1{}{:07}",
                    rng.random_range(201..990),
                    rng.random_range(0..10_000_000)
                ),
                recording_sid: None,
                tags: Vec::new(),
                custom: None,
            },
            use_case: self.use_case.clone(),
            agent: self.agent.clone(),
            language: self.use_case.language,
            created,
            viewed_by: Vec::new(),
            prompt_id: None,
            params: Some(params),
            extraction: None,
            classification: None,
            duration: None,
            parent_call_id: None,
            notes: Vec::new(),
            samples: None,
            ratings: Vec::new(),
            scheduled_for: None,
            use_backup: None,
            wait_until_awake: None,
            campaign_id: rng
                .random_ratio(3, 10)
                .then(|| *self.campaigns.choose(rng).unwrap_or(&self.campaigns[0])),
            max_duration_mins: None,
            transfer_contact_email: None,
            costs: None,
            end_reason: None,
            answered_by: None,
        };
        if scheduled {
            call.scheduled_for = Some(self.now.plus_seconds(rng.random_range(3600..30 * 86_400)));
            return (call, None);
        }
        let transcript = self.finish(&mut call, rng, carrier, &load);
        self.review(&mut call, rng);
        (call, transcript)
    }

    /// Gives the call an outcome, as the engine would have.
    fn finish(
        &self,
        call: &mut Call,
        rng: &mut SmallRng,
        carrier: &str,
        load: &str,
    ) -> Option<Transcript> {
        let mut pick = rng.random_range(0..100);
        let (status, reason, answered, _) = *OUTCOMES
            .iter()
            .find(|(.., share)| {
                let hit = pick < *share;
                pick = pick.saturating_sub(*share);
                hit
            })
            .unwrap_or(&OUTCOMES[0]);
        call.status = status;
        call.end_reason = Some(reason);
        if status != CallStatus::Canceled {
            call.metadata.call_sid = Some(format!("CA{}00000000", call.id));
        }
        let talk = if answered {
            rng.random_range(20.0..240.0_f64).round()
        } else {
            0.0
        };
        call.duration = Some(talk);
        let minutes = talk / 60.0;
        let telephony = (minutes * 0.014 * 10_000.0).round() / 10_000.0;
        let ai = (minutes * 0.06 * 10_000.0).round() / 10_000.0;
        call.costs = Some(Costs {
            currency: "USD".into(),
            telephony,
            ai,
            total: telephony + ai,
        });
        if !answered {
            return None;
        }
        call.answered_by = Some(if reason == EndReason::Voicemail {
            AnsweredBy::Machine
        } else {
            AnsweredBy::Human
        });
        let mut extraction = JsonObject::new();
        extraction.insert("carrier_name".into(), json!(carrier));
        extraction.insert("load_id".into(), json!(load));
        extraction.insert("agreed_rate".into(), json!(rng.random_range(900..3500)));
        call.extraction = Some(extraction);
        let tag = self
            .use_case
            .classification_tags
            .choose(rng)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        call.classification = Some(Classification {
            reasoning: format!("{carrier}: the call ended {reason}."),
            tag: tag.clone(),
        });
        call.metadata.tags.push(tag);
        let ending = match status {
            CallStatus::Transferred => Ending::Transferred {
                to: self.use_case.transfer_number.clone(),
            },
            _ => Ending::Completed,
        };
        Some(Transcript {
            id: Id::new(call.created),
            organization_id: call.organization_id,
            call_id: call.id,
            start_time: call.created.millis() as f64 / 1000.0,
            messages: conversation(call, talk, &ending),
        })
    }

    fn review(&self, call: &mut Call, rng: &mut SmallRng) {
        for (i, reviewer) in REVIEWERS.iter().enumerate() {
            let at = call.created.plus_seconds(3600 * (i as i64 + 1));
            if rng.random_ratio(1, 4) {
                call.viewed_by.push((*reviewer).to_owned());
            }
            if rng.random_ratio(1, 8) {
                let emoji = *[Emoji::Check, Emoji::ThumbsDown, Emoji::Siren]
                    .choose(rng)
                    .unwrap_or(&Emoji::Check);
                call.ratings.push(Rating {
                    emoji,
                    email: (*reviewer).to_owned(),
                    created: at,
                });
            }
            if rng.random_ratio(1, 10) {
                call.notes.push(Note {
                    id: Id::new(at),
                    user_id: (*reviewer).to_owned(),
                    content: format!("Follow up on {}", call.metadata.to),
                    flagged: rng.random_ratio(1, 5),
                    created_at: at,
                    updated_at: None,
                });
            }
        }
    }
}
