//! A call's logs (contract §4 #7): every status change, provider event, analysis step and
//! webhook attempt, numbered per call.

use crate::Timestamp;
use crate::string_enum::string_enum;
use serde::{Deserialize, Serialize};
use serde_json::Value;

string_enum! {
    pub enum LogLevel { Info => "info", Warn => "warn", Error => "error" }
}

/// A log line as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogEntry {
    pub seq: u64,
    pub timestamp: Timestamp,
    pub level: LogLevel,
    /// A stable, machine-readable name: `status`, `provider`, `analysis`, `webhook`, ...
    pub event: String,
    pub message: String,
    /// Details of the event; for `status`: `from`, `to`, `end_reason`; for `webhook`: `url`,
    /// `attempt`, `status`, `error`, `next_attempt_at`.
    #[schema(value_type = Value)]
    pub data: Value,
}

/// A log line to append; the store numbers it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLog {
    pub at: Timestamp,
    pub level: LogLevel,
    pub event: &'static str,
    pub message: String,
    pub data: Value,
}

impl NewLog {
    pub fn info(
        at: Timestamp,
        event: &'static str,
        message: impl Into<String>,
        data: Value,
    ) -> NewLog {
        NewLog {
            at,
            level: LogLevel::Info,
            event,
            message: message.into(),
            data,
        }
    }

    pub fn warn(
        at: Timestamp,
        event: &'static str,
        message: impl Into<String>,
        data: Value,
    ) -> NewLog {
        NewLog {
            at,
            level: LogLevel::Warn,
            event,
            message: message.into(),
            data,
        }
    }

    pub fn error(
        at: Timestamp,
        event: &'static str,
        message: impl Into<String>,
        data: Value,
    ) -> NewLog {
        NewLog {
            at,
            level: LogLevel::Error,
            event,
            message: message.into(),
            data,
        }
    }
}
