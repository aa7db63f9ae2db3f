//! Builders of domain objects with plausible defaults, for tests that talk to a `Store`
//! directly. Change the returned values' fields as a test needs.

use switchyard_core::agent::Agent;
use switchyard_core::auth::ApiKeyRecord;
use switchyard_core::call::{AgentRef, Call, CallMetadata};
use switchyard_core::enums::{AgentLanguage, CallType, Language, Provider, Role};
use switchyard_core::lifecycle::CallStatus;
use switchyard_core::number::{Number, UseCaseConfig};
use switchyard_core::org::{Member, Organization};
use switchyard_core::prompt::{Prompt, Tool, ToolHeader, ToolMethod};
use switchyard_core::store::{Store, StoreResult};
use switchyard_core::use_case::UseCase;
use switchyard_core::{CallId, Id, NumberId, OrgId, Timestamp, UseCaseId};

pub const START: &str = "2024-01-01T12:00:00Z";

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("an RFC 3339 timestamp")
}

/// `START` plus `seconds`.
pub fn start_plus(seconds: i64) -> Timestamp {
    at(START).plus_seconds(seconds)
}

/// An organization as `create_organization` stored it.
pub struct OrgFixture {
    pub org: Organization,
    pub default_agent: Agent,
    pub owner_email: String,
    pub owner_key: ApiKeyRecord,
}

impl OrgFixture {
    pub fn id(&self) -> OrgId {
        self.org.id
    }
}

/// Creates an organization with its default agent, its Owner `owner_email` and a key.
pub async fn create_org(store: &dyn Store, name: &str, owner_email: &str) -> OrgFixture {
    let now = at(START);
    let org_id = Id::new(now);
    let default_agent = agent(org_id, "Default agent", now);
    let org = Organization {
        id: org_id,
        name: name.to_owned(),
        description: None,
        image_url: None,
        attributes: serde_json::json!({"plan": "test"}),
        default_agent_id: default_agent.id,
        timezone: switchyard_core::org::DEFAULT_TIMEZONE.to_owned(),
        created_at: now,
    };
    let owner = Member {
        email: owner_email.to_owned(),
        role: Role::Owner,
    };
    let owner_key = api_key(org_id, owner_email, now);
    store
        .create_organization(&org, &default_agent, &owner, &owner_key)
        .await
        .expect("create the organization");
    OrgFixture {
        org,
        default_agent,
        owner_email: owner_email.to_owned(),
        owner_key,
    }
}

/// A key record with a unique prefix (`sy_` and 10 characters).
pub fn api_key(org: OrgId, email: &str, now: Timestamp) -> ApiKeyRecord {
    let id = Id::new(now);
    let unique = id.to_string();
    ApiKeyRecord {
        id,
        organization_id: org,
        prefix: format!("sy_{}", &unique[14..]),
        hash: format!("{:0>64}", unique),
        last4: unique[20..].to_owned(),
        member_email: email.to_owned(),
        created_at: now,
    }
}

pub fn agent(org: OrgId, name: &str, now: Timestamp) -> Agent {
    Agent {
        id: Id::new(now),
        organization_id: org,
        name: name.to_owned(),
        languages: vec![AgentLanguage::English],
        voice_id: None,
        created_at: now,
    }
}

/// A prompt with one tool, which carries a credential in a header.
pub fn prompt(org: OrgId, name: &str, now: Timestamp) -> Prompt {
    Prompt {
        id: Id::new(now),
        organization_id: org,
        name: name.to_owned(),
        text: format!("You are {name}. The load is {{{{load_id}}}}."),
        first_message: None,
        use_case_id: None,
        model_id: None,
        tools: vec![Tool {
            name: "lookup_load".to_owned(),
            description: "Finds a load".to_owned(),
            parameters: serde_json::json!({"type": "object", "properties": {"load_id": {"type": "string"}}}),
            url: "https://tools.example.com/loads".to_owned(),
            method: ToolMethod::Get,
            headers: vec![ToolHeader {
                key: "authorization".to_owned(),
                value: "Bearer secret".to_owned(),
            }],
            timeout_ms: 2_000,
        }],
        created_at: now,
        updated_at: now,
    }
}

pub fn use_case(org: OrgId, name: &str, now: Timestamp) -> UseCase {
    UseCase::new(Id::new(now), org, name, now)
}

pub fn number(org: OrgId, phone: &str, use_case: Option<UseCaseId>, now: Timestamp) -> Number {
    Number {
        id: Id::new(now),
        organization_id: org,
        number: phone.to_owned(),
        sid: format!("PN{}", NumberId::new(now)),
        locality: "San Francisco".to_owned(),
        mode: "voice".to_owned(),
        title: "test line".to_owned(),
        use_case_config: UseCaseConfig {
            id: use_case,
            prompt_routes: vec![],
            agent_routes: vec![],
        },
        created_at: now,
    }
}

/// A `Queued` outbound call of `use_case` created at `created`.
pub fn call(org: OrgId, use_case: &UseCase, created: Timestamp) -> Call {
    Call {
        id: Id::new(created),
        organization_id: org,
        call_type: CallType::Outbound,
        status: CallStatus::Queued,
        provider: Provider::Twilio,
        metadata: CallMetadata {
            call_sid: None,
            from: "+14155550100".to_owned(),
            to: "+14155550199".to_owned(),
            recording_sid: None,
            tags: vec![],
            custom: None,
        },
        use_case: use_case.clone(),
        agent: AgentRef {
            id: Id::new(created),
            name: "Default agent".to_owned(),
        },
        language: Language::EnUs,
        created,
        viewed_by: vec![],
        prompt_id: None,
        params: None,
        extraction: None,
        classification: None,
        duration: None,
        parent_call_id: None,
        notes: vec![],
        samples: None,
        ratings: vec![],
        scheduled_for: None,
        use_backup: None,
        wait_until_awake: None,
        campaign_id: None,
        max_duration_mins: None,
        transfer_contact_email: None,
        costs: None,
        end_reason: None,
        answered_by: None,
    }
}

/// Moves a call through the state machine the way the engine does: read it, apply the
/// event, write it back only if nobody changed it meanwhile.
pub async fn transition(
    store: &dyn Store,
    org: OrgId,
    id: CallId,
    event: switchyard_core::lifecycle::CallEvent,
) -> StoreResult<Call> {
    let mut call = store.get_call(org, id).await?;
    let expected_status = call.status;
    call.apply(event)?;
    store
        .save_call_progress(switchyard_core::store::CallProgress {
            call,
            expected_status,
            logs: Vec::new(),
            webhooks: Vec::new(),
            transcript: None,
            run: switchyard_core::store::RunChange::Keep,
            new_calls: Vec::new(),
        })
        .await
}
