//! switchyard's domain: ids, timestamps, the wire-shaped objects of the contract, the call
//! state machine, and the `Store` and `Clock` traits that the rest of the system plugs into.
//! Nothing in this crate does I/O.

mod string_enum;

pub mod agent;
pub mod auth;
pub mod call;
pub mod call_json;
pub mod call_log;
pub mod call_query;
pub mod campaign;
pub mod clocks;
pub mod conversation;
pub mod dashboard;
pub mod enums;
pub mod export;
pub mod id;
pub mod lifecycle;
pub mod number;
pub mod org;
pub mod phone;
pub mod prompt;
pub mod run;
pub mod scenario;
pub mod store;
pub mod time;
pub mod transcript;
pub mod usage;
pub mod use_case;
pub mod webhook;
pub mod webhook_faults;

pub use clocks::Clocks;
pub use id::{
    AgentId, ApiKeyId, CallId, CampaignId, DeliveryId, Entity, ExportId, Id, MessageId, NoteId,
    NumberId, OrgId, PromptId, ScenarioId, TranscriptId, UseCaseId,
};
pub use time::{Clock, ManualClock, SystemClock, Timestamp};
