//! `GET /calls` returns how many calls match on every page; counting a million rows per
//! request would dominate listing. `organizations.calls_version` tells when an
//! organization's calls last changed in a way a filter can see (triggers bump it, so writes
//! from any process count, migration 0005); recent counts are kept here with the version
//! they were taken at, and counted again only once it moved. PostgreSQL counts every time
//! (crates/store-postgres/src/reads.rs says why).

use std::collections::HashMap;
use std::sync::Mutex;
use switchyard_core::call_query::CallFilter;
use switchyard_core::id::OrgId;

/// Beyond this many remembered (organization, filter) counts the cache starts over.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct CountCache {
    entries: Mutex<HashMap<(OrgId, String), Entry>>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    version: i64,
    count: u64,
}

/// The filter as a map key: its every field, in one string.
pub(crate) fn filter_key(filter: &CallFilter) -> String {
    format!("{filter:?}")
}

impl CountCache {
    pub(crate) fn get(&self, org: OrgId, key: &str, version: i64) -> Option<u64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&(org, key.to_owned()))
            .filter(|entry| entry.version == version)
            .map(|entry| entry.count)
    }

    /// Call with the version read in the same read transaction as the count.
    pub(crate) fn put(&self, org: OrgId, key: String, version: i64, count: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert((org, key), Entry { version, count });
    }
}
