//! Which calls, in which order, a page at a time: the query every listing of calls (the
//! API's `GET /calls`, the review app's list, an export) hands to the store.

use crate::Timestamp;
use crate::call::Call;
use crate::enums::{CallType, Emoji, SortOrder};
use crate::id::{CallId, CampaignId, UseCaseId};
use crate::lifecycle::CallStatus;

/// The filters of `GET /calls`, already parsed. Empty lists mean "any";
/// values within a list are OR-ed, filters are AND-ed.
/// Serializable so that an export can keep the filter it runs (times in milliseconds).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallFilter {
    pub call_type: Option<CallType>,
    pub statuses: Vec<CallStatus>,
    pub tags: Vec<String>,
    pub models: Vec<String>,
    pub ratings: Vec<Emoji>,
    pub use_cases: Vec<UseCaseId>,
    pub campaigns: Vec<CampaignId>,
    /// Inclusive lower bound on `created`.
    #[serde(default, with = "crate::time::millis::option")]
    pub created_from: Option<Timestamp>,
    /// Inclusive upper bound on `created`.
    #[serde(default, with = "crate::time::millis::option")]
    pub created_to: Option<Timestamp>,
    /// Case-insensitive substring of `metadata.from`, `metadata.to` or an extraction value.
    pub search: Option<String>,
    /// Case-insensitive exact match.
    pub transfer_contact_email: Option<String>,
}

/// Sorted on `created`, ties broken by id in the same direction.
#[derive(Clone, Debug, PartialEq)]
pub struct CallQuery {
    pub filter: CallFilter,
    pub sort: SortOrder,
    pub limit: u32,
    pub skip: u64,
    /// Keyset paging: only the calls that sort after this one (`skip` is then 0), so a
    /// page costs the same at any depth.
    pub after: Option<CallKey>,
}

/// Where a call sits in the `created`-then-id order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallKey {
    pub created: Timestamp,
    pub id: CallId,
}

/// A page of calls: [`Call`]s, or their wire JSON ([`CallJson`]) for the API to send as is.
#[derive(Clone, Debug, PartialEq)]
pub struct CallList<C = Call> {
    pub calls: Vec<C>,
    /// All matches, not just this page.
    pub count: u64,
    /// The last call of the page, for the `after` of the next one.
    pub last: Option<CallKey>,
}

impl<C> CallList<C> {
    /// No calls on this page, `count` in all.
    pub fn empty(count: u64) -> CallList<C> {
        CallList {
            calls: Vec::new(),
            count,
            last: None,
        }
    }
}
