//! `switchyard seed --org ID --calls N`: realistic calls in bulk, for benchmarks and demos.
//! Spread over the past year; final statuses in realistic proportions (and a few calls
//! scheduled in the coming month); answered calls carry a transcript, extraction,
//! classification, tags, costs; some have notes, ratings, "viewed by" marks, a campaign.
//!
//! No live or queued calls: a running engine would dial them all at once. Calls are built
//! a chunk at a time on a thread of their own while the previous chunk is written (one
//! transaction per chunk), so memory stays flat whatever N is. They are made in the order
//! of their creation time, so that each index grows at its end instead of everywhere.
//!
//! Transcripts come from templates: one real conversation per (direction, carrier,
//! ending, length), serialized once with placeholders for what differs per call (ids,
//! start time, load id, phone number). Serializing every transcript was most of the cost.

use anyhow::Context;
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use serde_json::json;
use std::collections::HashMap;
use std::fmt::Write as _;
use switchyard_core::call::{
    AgentRef, Call, CallMetadata, Classification, Costs, JsonObject, Note, Rating,
};
use switchyard_core::campaign::Campaign;
use switchyard_core::enums::{AnsweredBy, CallType, Emoji, EndReason, FieldType, Provider};
use switchyard_core::id::Kind;
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::store::Store;
use switchyard_core::transcript::{Transcript, TranscriptJson};
use switchyard_core::use_case::{ClassificationTag, ExtractField, UseCase};
use switchyard_core::{CampaignId, Id, MessageId, OrgId, Timestamp, TranscriptId};
use switchyard_engine::agent::conversation;
use switchyard_engine::sim::Ending;

/// Calls per transaction: a transaction then lasts a fraction of a second, which is how
/// long a server writing to the same SQLite file may have to wait.
const CHUNK: usize = 5_000;
/// Transcript lengths, in seconds of talk: an answered call talks 20 to 240 s and gets the
/// transcript of the longest of these that fits.
const TALK_STEP_SECS: u32 = 20;
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
    org: OrgId,
    count: u64,
    now: Timestamp,
    progress: impl Fn(u64),
) -> anyhow::Result<()> {
    let organization = store
        .get_organization(org)
        .await
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
        count,
    };
    // One chunk is written while the next is built; at most one more waits in between.
    let (chunks, mut ready) = tokio::sync::mpsc::channel::<Chunk>(1);
    let generator = tokio::task::spawn_blocking(move || {
        let mut rng = SmallRng::from_os_rng();
        let mut transcripts = Transcripts::default();
        let mut made = 0u64;
        while made < count {
            let n = CHUNK.min((count - made) as usize);
            let mut chunk = Chunk {
                calls: Vec::with_capacity(n),
                transcripts: Vec::with_capacity(n),
            };
            for i in made..made + n as u64 {
                let (call, transcript) = template.call(i, &mut rng, &mut transcripts);
                chunk.transcripts.extend(transcript);
                chunk.calls.push(call);
            }
            made += n as u64;
            if chunks.blocking_send(chunk).is_err() {
                break; // the writer failed
            }
        }
    });
    let mut written = 0u64;
    while let Some(chunk) = ready.recv().await {
        store
            .bulk_insert_calls(org, &chunk.calls, chunk.transcripts)
            .await?;
        written += chunk.calls.len() as u64;
        progress(written);
    }
    generator.await.context("the call generator panicked")?;
    Ok(())
}

struct Chunk {
    calls: Vec<Call>,
    transcripts: Vec<TranscriptJson>,
}

fn seeded_use_case(org: OrgId, now: Timestamp) -> UseCase {
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
    org: OrgId,
    agent: AgentRef,
    use_case: UseCase,
    campaigns: Vec<CampaignId>,
    now: Timestamp,
    /// How many calls are made, spread evenly over the year.
    count: u64,
}

impl Template {
    /// The `i`th call of `count`: created at a random time within the `i`th of `count`
    /// equal slices of the past year, so calls come in the order of their creation.
    fn call(
        &self,
        i: u64,
        rng: &mut SmallRng,
        transcripts: &mut Transcripts,
    ) -> (Call, Option<TranscriptJson>) {
        let scheduled = rng.random_ratio(1, 50);
        let created = if scheduled {
            self.now.plus_seconds(-rng.random_range(0..3600))
        } else {
            let slice_ms = (YEAR_SECS * 1000) as f64 / self.count.max(1) as f64;
            let offset = (i as f64 + rng.random::<f64>()) * slice_ms;
            let ago_ms = YEAR_SECS * 1000 - offset as i64;
            Timestamp::from_millis(self.now.millis() - ago_ms.max(60_000))
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
        let transcript = self.finish(&mut call, rng, carrier, &load, transcripts);
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
        transcripts: &mut Transcripts,
    ) -> Option<TranscriptJson> {
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
        // The transcript's length: the longest step that fits in the talk time.
        let steps = talk as u32 / TALK_STEP_SECS;
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
        let transferred = status == CallStatus::Transferred;
        let key = (call.call_type, carrier.to_owned(), transferred, steps);
        let template = transcripts
            .templates
            .entry(key)
            .or_insert_with(|| self.transcript_template(call, transferred, steps));
        Some(TranscriptJson {
            call_id: call.id,
            json: template.render(call, load),
        })
    }

    /// A real conversation like `call`'s, with placeholders where calls differ.
    fn transcript_template(
        &self,
        call: &Call,
        transferred: bool,
        steps: u32,
    ) -> TranscriptTemplate {
        let mut probe = call.clone();
        probe.id = placeholder(CALL_ID);
        if let Some(params) = probe.params.as_mut() {
            params.insert("load_id".into(), json!(LOAD));
        }
        probe.metadata.to = PHONE.to_owned();
        let ending = if transferred {
            Ending::Transferred {
                to: self.use_case.transfer_number.clone(),
            }
        } else {
            Ending::Completed
        };
        let mut messages = conversation(&probe, f64::from(steps * TALK_STEP_SECS), &ending);
        for message in &mut messages {
            message.id = placeholder(MESSAGE_ID);
        }
        let transcript = Transcript {
            id: placeholder(TRANSCRIPT_ID),
            organization_id: call.organization_id,
            call_id: probe.id,
            start_time: START_TIME,
            messages,
        };
        TranscriptTemplate::new(&serde_json::to_string(&transcript).unwrap_or_default())
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

/// The transcript templates made so far, by (direction, carrier, transferred, length).
#[derive(Default)]
struct Transcripts {
    templates: HashMap<(CallType, String, bool, u32), TranscriptTemplate>,
}

// Placeholders: written into a template's conversation, then replaced per call. Each is
// text that the conversation itself never contains.
const TRANSCRIPT_ID: &str = "00000000000000000000aaa1";
const CALL_ID: &str = "00000000000000000000aaa2";
const MESSAGE_ID: &str = "00000000000000000000aaa3";
const LOAD: &str = "LD-PLACEHOLDER";
const PHONE: &str = "+19990009999";
const START_TIME: f64 = 1_000_000_000.125;

fn placeholder<K: Kind>(id: &str) -> Id<K> {
    id.parse().expect("a valid id")
}

/// A serialized transcript cut at its placeholders.
struct TranscriptTemplate {
    /// Text, then what goes after it.
    pieces: Vec<(String, Option<Slot>)>,
    len: usize,
}

#[derive(Clone, Copy)]
enum Slot {
    TranscriptId,
    CallId,
    MessageId,
    Load,
    Phone,
    StartTime,
}

impl TranscriptTemplate {
    fn new(json: &str) -> TranscriptTemplate {
        let start_time = serde_json::to_string(&START_TIME).unwrap_or_default();
        let marks = [
            (TRANSCRIPT_ID, Slot::TranscriptId),
            (CALL_ID, Slot::CallId),
            (MESSAGE_ID, Slot::MessageId),
            (LOAD, Slot::Load),
            (PHONE, Slot::Phone),
            (start_time.as_str(), Slot::StartTime),
        ];
        let mut found: Vec<(usize, usize, Slot)> = marks
            .iter()
            .flat_map(|(text, slot)| {
                json.match_indices(text)
                    .map(|(at, _)| (at, text.len(), *slot))
            })
            .collect();
        found.sort_by_key(|(at, ..)| *at);
        let mut pieces = Vec::with_capacity(found.len() + 1);
        let mut from = 0;
        for (at, len, slot) in found {
            pieces.push((json[from..at].to_owned(), Some(slot)));
            from = at + len;
        }
        pieces.push((json[from..].to_owned(), None));
        TranscriptTemplate {
            pieces,
            len: json.len(),
        }
    }

    /// The transcript of `call`, whose params carry `load`.
    fn render(&self, call: &Call, load: &str) -> String {
        let mut out = String::with_capacity(self.len + 64);
        for (text, slot) in &self.pieces {
            out.push_str(text);
            match slot {
                None => {}
                // The transcript is made when the call is (as the engine's would be).
                Some(Slot::TranscriptId) => {
                    let _ = write!(out, "{}", TranscriptId::new(call.created));
                }
                Some(Slot::MessageId) => {
                    let _ = write!(out, "{}", MessageId::new(call.created));
                }
                Some(Slot::CallId) => {
                    let _ = write!(out, "{}", call.id);
                }
                Some(Slot::Load) => out.push_str(load),
                Some(Slot::Phone) => out.push_str(&call.metadata.to),
                Some(Slot::StartTime) => {
                    let start = call.created.millis() as f64 / 1000.0;
                    out.push_str(&serde_json::to_string(&start).unwrap_or_default());
                }
            }
        }
        out
    }
}
