//! `serve --demo`: a demo organization with a use case, an agent, a number and a few dozen
//! calls in varied statuses, created once. Every start prints a fresh Owner key for it
//! (keys are stored hashed, so an earlier one cannot be shown again).

use crate::auth::generate_api_key;
use crate::dial::context::DialContext;
use crate::dial::item::DialItem;
use crate::orgs;
use crate::validate::Errors;
use crate::{ServiceError, ServiceResult};
use serde_json::json;
use switchyard_core::agent::Agent;
use switchyard_core::call::{Call, Classification, Costs, Note, Rating};
use switchyard_core::enums::{AgentLanguage, AnsweredBy, Emoji, EndReason, Language, Role};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::number::{AgentRoute, Number, UseCaseConfig};
use switchyard_core::store::{Store, StoreError};
use switchyard_core::time::Timestamp;
use switchyard_core::transcript::{Transcript, TranscriptJson};
use switchyard_core::use_case::{ClassificationTag, ExtractField, UseCase};
use switchyard_core::{AgentId, Id, OrgId, UseCaseId};
use switchyard_engine::agent::conversation;
use switchyard_engine::sim::Ending;

pub const DEMO_ORG: &str = "Switchyard Demo";
pub const DEMO_OWNER: &str = "demo@switchyard.local";
const DEMO_CALLS: usize = 36;

/// Creates the demo organization once (with its use case, agent, number and calls), and
/// answers a fresh Owner key for it every time (shown once; only its hash is kept).
pub async fn ensure(store: &dyn Store, now: Timestamp) -> ServiceResult<String> {
    match store.find_organization_by_name(DEMO_ORG).await? {
        Some(org) => {
            let key = generate_api_key(org.id, DEMO_OWNER, now);
            store.create_api_key(&key.record, Role::Owner).await?;
            Ok(key.secret)
        }
        None => create(store, now).await,
    }
}

async fn create(store: &dyn Store, now: Timestamp) -> ServiceResult<String> {
    let (org, key) = orgs::create_organization(store, DEMO_ORG, DEMO_OWNER, now).await?;
    let use_case = demo_use_case(org.id, now);
    store.insert_use_case(&use_case).await?;
    let agent = Agent {
        id: Id::new(now),
        organization_id: org.id,
        name: "Ava".to_owned(),
        languages: vec![AgentLanguage::English, AgentLanguage::Spanish],
        voice_id: Some("ava-en".to_owned()),
        created_at: now,
    };
    store.insert_agent(&agent).await?;
    let number = buy_demo_number(store, org.id, use_case.id, agent.id, now).await?;

    let context = DialContext::load(store, org.id, now).await?;
    let mut errors = Errors::default();
    let mut calls = Vec::with_capacity(DEMO_CALLS);
    for i in 0..DEMO_CALLS {
        let item = DialItem {
            number_id: Some(number.id.to_string()),
            phone_number: Some(format!("+1312555{:04}", 100 + i)),
            params: Some(
                json!({"carrier_name": CARRIERS[i % CARRIERS.len()], "load_id": format!("LD-{}", 4400 + i)}),
            ),
            tags: Some(vec![["reefer", "flatbed", "dry van"][i % 3].to_owned()]),
            ..DialItem::default()
        };
        if let Some(mut call) = context.build_call(item, &|f| f.to_owned(), &mut errors) {
            // Spread the calls over the last few days, newest last.
            call.created = now.plus_seconds(-((DEMO_CALLS - i) as i64) * 3 * 3600);
            finish_like_the_engine(&mut call, i, &use_case);
            calls.push(call);
        }
    }
    errors
        .finish()
        .map_err(|e| ServiceError::Internal(format!("demo calls are invalid: {e}").into()))?;
    let transcripts = calls.iter().filter_map(transcript_of).collect();
    store.bulk_insert_calls(org.id, &calls, transcripts).await?;
    for (i, call) in calls.iter().enumerate().filter(|(i, _)| i % 4 == 0) {
        let note = Note {
            id: Id::new(now),
            user_id: DEMO_OWNER.to_owned(),
            content: format!(
                "Follow up with {} about the rate.",
                CARRIERS[i % CARRIERS.len()]
            ),
            flagged: i % 8 == 0,
            created_at: now,
            updated_at: None,
        };
        store.add_note(org.id, call.id, &note).await?;
        let rating = Rating {
            emoji: [Emoji::Check, Emoji::ThumbsDown, Emoji::Siren][i % 3],
            email: DEMO_OWNER.to_owned(),
            created: now,
        };
        store.add_rating(org.id, call.id, &rating).await?;
    }
    Ok(key.secret)
}

const CARRIERS: &[&str] = &[
    "Swift Transport",
    "Knight Freight",
    "Prime Inc",
    "Werner",
    "Schneider",
    "J.B. Hunt",
];

fn demo_use_case(org: OrgId, now: Timestamp) -> UseCase {
    UseCase {
        id: Id::new(now),
        organization_id: org,
        name: "Carrier sales".to_owned(),
        transfer_number: Some("+13125550000".to_owned()),
        extract_with_ai: vec![
            ExtractField {
                name: "carrier_name".to_owned(),
                description: "Carrier's company".to_owned(),
                field_type: switchyard_core::enums::FieldType::String,
                example: Some(json!("Acme Trucking")),
                required: true,
            },
            ExtractField {
                name: "agreed_rate".to_owned(),
                description: "Rate agreed in USD".to_owned(),
                field_type: switchyard_core::enums::FieldType::Number,
                example: Some(json!(1850)),
                required: false,
            },
        ],
        classification_tags: vec![
            ClassificationTag {
                name: "booked".to_owned(),
                description: "The carrier took the load".to_owned(),
            },
            ClassificationTag {
                name: "not_interested".to_owned(),
                description: "The carrier declined".to_owned(),
            },
            ClassificationTag {
                name: "callback".to_owned(),
                description: "Call again later".to_owned(),
            },
        ],
        language: Language::EnUs,
        detailed_work_hours: None,
        // Open around the clock: a newcomer's first dial (README) must complete whatever
        // the hour. Working hours are one PATCH away for who wants to see deferral.
        work_start: None,
        work_end: None,
        timezone: None,
        generic_after_hours_message: None,
        enable_detailed_work_hours: false,
        keywords: vec!["load".to_owned(), "rate".to_owned()],
        hooks: vec![],
        params: None,
        amd: true,
        amd_behavior: Some(switchyard_core::enums::AmdBehavior::Message),
        amd_messages: [(
            "en-US".to_owned(),
            "Hi, this is Ava from Switchyard Demo about a load.".to_owned(),
        )]
        .into(),
        sample_labels: vec![],
        hidden: false,
        evaluation_models: vec![],
        max_duration_mins: Some(10),
        recorded_message_inbound: None,
        recorded_message_outbound: None,
        show_original_caller_id: false,
        disable_end_call_after_n_reminders: None,
        model: switchyard_core::use_case::DEFAULT_MODEL.to_owned(),
        default_prompt_id: None,
        created_at: now,
    }
}

async fn buy_demo_number(
    store: &dyn Store,
    org: OrgId,
    use_case: UseCaseId,
    agent: AgentId,
    now: Timestamp,
) -> ServiceResult<Number> {
    for attempt in 0..20u32 {
        let number = Number {
            id: Id::new(now),
            organization_id: org,
            number: format!(
                "+1312555{:04}",
                9000 + (rand::random::<u32>() + attempt) % 1000
            ),
            sid: format!("PN{}", hex::encode(rand::random::<[u8; 16]>())),
            locality: "Chicago".to_owned(),
            mode: "voice".to_owned(),
            title: "Demo dispatch line".to_owned(),
            use_case_config: UseCaseConfig {
                id: Some(use_case),
                prompt_routes: vec![],
                agent_routes: vec![AgentRoute {
                    probability: 100,
                    id: agent,
                }],
            },
            created_at: now,
        };
        match store.insert_number(&number).await {
            Ok(()) => return Ok(number),
            Err(StoreError::Duplicate(_)) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(ServiceError::Conflict(
        "could not find a free demo number".to_owned(),
    ))
}

/// The conversation the simulated network would have had on a finished demo call, so that
/// the review app has transcripts to show before the engine has finished any call.
fn transcript_of(call: &Call) -> Option<TranscriptJson> {
    let ending = match call.status {
        CallStatus::Completed => Ending::Completed,
        CallStatus::Transferred => Ending::Transferred {
            to: call.use_case.transfer_number.clone(),
        },
        _ => return None,
    };
    let talk_secs = call.duration?;
    let transcript = Transcript {
        id: Id::new(call.created),
        organization_id: call.organization_id,
        call_id: call.id,
        start_time: call.created.millis() as f64 / 1000.0,
        messages: conversation(call, talk_secs, &ending),
    };
    Some(TranscriptJson {
        call_id: call.id,
        json: serde_json::to_string(&transcript).ok()?,
    })
}

/// Gives demo call `i` an outcome, as the engine would have recorded it. Queued and
/// Scheduled calls are left for the engine: they ring as soon as the server runs.
fn finish_like_the_engine(call: &mut Call, i: usize, use_case: &UseCase) {
    const OUTCOMES: &[(CallStatus, Option<EndReason>)] = &[
        (CallStatus::Completed, Some(EndReason::Completed)),
        (CallStatus::Completed, Some(EndReason::CustomerHangup)),
        (CallStatus::Busy, Some(EndReason::Busy)),
        (CallStatus::NoAnswer, Some(EndReason::NoAnswer)),
        (CallStatus::Transferred, Some(EndReason::Transferred)),
        (CallStatus::Completed, Some(EndReason::Voicemail)),
        (CallStatus::Failed, Some(EndReason::ProviderError)),
        (CallStatus::Canceled, Some(EndReason::Canceled)),
        (CallStatus::Queued, None),
        (CallStatus::Scheduled, None),
        (CallStatus::Completed, Some(EndReason::Completed)),
        (CallStatus::Queued, None),
    ];
    let (status, end_reason) = OUTCOMES[i % OUTCOMES.len()];
    call.status = status;
    call.end_reason = end_reason;
    if status == CallStatus::Scheduled {
        call.scheduled_for = Some(call.created.plus_seconds(120));
    }
    if !matches!(status, CallStatus::Completed | CallStatus::Transferred) {
        return;
    }
    let minutes = 1.0 + (i % 7) as f64;
    call.duration = Some(minutes * 60.0);
    call.answered_by = Some(if end_reason == Some(EndReason::Voicemail) {
        AnsweredBy::Machine
    } else {
        AnsweredBy::Human
    });
    let carrier = CARRIERS[i % CARRIERS.len()];
    call.extraction = Some(
        json!({"carrier_name": carrier, "agreed_rate": 1500 + 50 * i})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    let tag = &use_case.classification_tags[i % use_case.classification_tags.len()];
    call.classification = Some(Classification {
        tag: tag.name.clone(),
        reasoning: format!("{carrier}: {}.", tag.description.to_lowercase()),
    });
    call.metadata.tags.push(tag.name.clone());
    call.metadata.call_sid = Some(
        format!("CA{}", hex::encode(call.id.to_string()))
            .chars()
            .take(34)
            .collect(),
    );
    if status == CallStatus::Transferred {
        call.transfer_contact_email = Some("dispatch@switchyard.local".to_owned());
    }
    let telephony = (minutes * 0.014 * 1000.0).round() / 1000.0;
    let ai = (minutes * 0.05 * 1000.0).round() / 1000.0;
    call.costs = Some(Costs {
        currency: "USD".to_owned(),
        telephony,
        ai,
        total: ((telephony + ai) * 1000.0).round() / 1000.0,
    });
}
