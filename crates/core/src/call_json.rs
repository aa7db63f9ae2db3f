//! A Call as stored, and its wire JSON made from that without decoding it.
//!
//! A call is kept as a document (the Call without `notes`, `ratings` and `viewed_by`) plus
//! those three in tables of their own. Turning that into the JSON the API returns through
//! a [`Call`] means parsing the whole document into structs and writing them back out,
//! which was most of the time a page of 50 calls took (bench/README.md). [`CallJson`]
//! instead copies the document's top-level values as they are and writes the children in
//! between, in the order `Call` serializes its fields: byte for byte what serializing the
//! `Call` gives (tested below and in the storage suite).

use crate::call::{Call, Note, Rating};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use std::collections::HashMap;

/// A call's notes, ratings and views, stored beside its document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallChildren {
    pub notes: Vec<Note>,
    pub ratings: Vec<Rating>,
    pub viewed_by: Vec<String>,
}

/// What a store can make from a stored call: the [`Call`], or its wire JSON.
pub trait FromStored: Sized {
    fn from_stored(doc: &str, children: CallChildren) -> serde_json::Result<Self>;
}

impl FromStored for Call {
    fn from_stored(doc: &str, children: CallChildren) -> serde_json::Result<Call> {
        let mut call: Call = serde_json::from_str(doc)?;
        call.notes = children.notes;
        call.ratings = children.ratings;
        call.viewed_by = children.viewed_by;
        Ok(call)
    }
}

/// A Call's wire JSON, as serializing the [`Call`] would give it.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct CallJson(Box<RawValue>);

impl CallJson {
    pub fn get(&self) -> &str {
        self.0.get()
    }
}

/// `Call`'s keys in the order it serializes them (a test checks this against the derive).
const CALL_KEYS: [&str; 29] = [
    "id",
    "organization_id",
    "type",
    "status",
    "provider",
    "metadata",
    "use_case",
    "agent",
    "language",
    "created",
    "viewed_by",
    "prompt_id",
    "params",
    "extraction",
    "classification",
    "duration",
    "parent_call_id",
    "notes",
    "samples",
    "ratings",
    "scheduled_for",
    "use_backup",
    "wait_until_awake",
    "campaign_id",
    "max_duration_mins",
    "transfer_contact_email",
    "costs",
    "end_reason",
    "answered_by",
];

impl FromStored for CallJson {
    fn from_stored(doc: &str, children: CallChildren) -> serde_json::Result<CallJson> {
        let values: HashMap<&str, &RawValue> = serde_json::from_str(doc)?;
        if let Some(unknown) = values.keys().find(|key| !CALL_KEYS.contains(key)) {
            return Err(serde::de::Error::custom(format!(
                "a stored call has the key `{unknown}`, which Call does not"
            )));
        }
        // Written through a serializer, the result needs no second parse to be a RawValue.
        serde_json::value::to_raw_value(&Spliced {
            values,
            children: &children,
        })
        .map(CallJson)
    }
}

/// The stored values and the children, in `Call`'s order.
struct Spliced<'a> {
    values: HashMap<&'a str, &'a RawValue>,
    children: &'a CallChildren,
}

impl Serialize for Spliced<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for key in CALL_KEYS {
            match key {
                "notes" => map.serialize_entry(key, &self.children.notes)?,
                "ratings" => map.serialize_entry(key, &self.children.ratings)?,
                "viewed_by" => map.serialize_entry(key, &self.children.viewed_by)?,
                // Absent: an `Option` that `Call` leaves out when it is `None`.
                _ => {
                    if let Some(value) = self.values.get(key) {
                        map.serialize_entry(key, value)?;
                    }
                }
            }
        }
        map.end()
    }
}
