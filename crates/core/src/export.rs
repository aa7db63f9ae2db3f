//! A CSV export of calls (contract §4 #12, `POST /calls/export`): a job kept in the
//! `exports` table, which is the queue the export worker claims from, and what came of it.
//! The CSV itself is a file in the blob store under [`Export::blob_key`].

use crate::Timestamp;
use crate::call_query::CallFilter;
use crate::enums::SortOrder;
use crate::id::{ExportId, OrgId};
use crate::string_enum::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// `pending` (waiting for a worker), `running` (held by one, under a lease), then
    /// `done` (the CSV is stored, the mail was tried) or `failed` (gave up).
    pub enum ExportStatus {
        Pending => "pending", Running => "running", Done => "done", Failed => "failed",
    }
}

impl ExportStatus {
    /// `done` and `failed` never change again; only the retention sweep removes them.
    pub fn is_finished(self) -> bool {
        matches!(self, ExportStatus::Done | ExportStatus::Failed)
    }
}

/// An export as stored: the request, its progress and its outcome. Times keep their
/// milliseconds (the retention and the retry schedule are computed from them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub id: ExportId,
    pub organization_id: OrgId,
    pub status: ExportStatus,
    /// Which calls, in which order: the filters and sort of `GET /calls`.
    pub filter: CallFilter,
    pub sort: SortOrder,
    /// Where the CSV is mailed (lowercased).
    pub email: String,
    /// The member whose key asked for it.
    pub requested_by: String,
    #[serde(with = "crate::time::millis")]
    pub created_at: Timestamp,
    /// How many times a worker has claimed it (a crash or an error means another claim).
    pub attempts: u32,
    /// A `pending` export is not claimed before this (a retry after an error waits).
    #[serde(with = "crate::time::millis")]
    pub next_attempt_at: Timestamp,
    /// Set once the CSV is in the blob store: a later claim (after a crash while mailing)
    /// mails it without building it again.
    pub rows: Option<u64>,
    /// The mail's outcome, once `done`.
    pub mail: Option<MailOutcome>,
    /// Why it `failed`; while a retry is pending, the error that caused it.
    pub reason: Option<String>,
    #[serde(default, with = "crate::time::millis::option")]
    pub finished_at: Option<Timestamp>,
}

/// Whether the CSV was mailed. `attached` is false when the file was over the attachment
/// limit and the mail only says where to download it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailOutcome {
    pub sent: bool,
    #[serde(default)]
    pub attached: bool,
    pub error: Option<String>,
}

impl Export {
    /// A `pending` export, due at once.
    pub fn new(
        id: ExportId,
        organization_id: OrgId,
        filter: CallFilter,
        sort: SortOrder,
        email: String,
        requested_by: String,
        now: Timestamp,
    ) -> Export {
        Export {
            id,
            organization_id,
            status: ExportStatus::Pending,
            filter,
            sort,
            email,
            requested_by,
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            rows: None,
            mail: None,
            reason: None,
            finished_at: None,
        }
    }

    /// Where the CSV lives in the blob store.
    pub fn blob_key(&self) -> String {
        export_blob_key(self.organization_id, self.id)
    }
}

/// Where an export's CSV lives in the blob store.
pub fn export_blob_key(org: OrgId, id: ExportId) -> String {
    format!("exports/{org}/{id}.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_round_trips_with_milliseconds() {
        let at = Timestamp::from_millis(1_704_110_400_123);
        let mut export = Export::new(
            crate::Id::new(at),
            crate::Id::new(at),
            CallFilter {
                created_from: Some(at),
                ..CallFilter::default()
            },
            SortOrder::Asc,
            "a@b.co".to_owned(),
            "owner@b.co".to_owned(),
            at,
        );
        export.finished_at = Some(at.plus_millis(5));
        export.mail = Some(MailOutcome {
            sent: false,
            attached: false,
            error: Some("no SMTP server configured".to_owned()),
        });
        let stored = serde_json::to_string(&export).unwrap();
        assert_eq!(serde_json::from_str::<Export>(&stored).unwrap(), export);
        assert_eq!(
            export.blob_key(),
            format!("exports/{}/{}.csv", export.organization_id, export.id)
        );
        assert!(ExportStatus::Failed.is_finished());
        assert!(!ExportStatus::Running.is_finished());
    }
}
