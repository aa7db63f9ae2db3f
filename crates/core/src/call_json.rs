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
use serde::Serialize;
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
        let mut json = String::with_capacity(doc.len() + 256);
        json.push('{');
        for key in CALL_KEYS {
            let child;
            let value = match key {
                "notes" => {
                    child = serde_json::to_string(&children.notes)?;
                    &child
                }
                "ratings" => {
                    child = serde_json::to_string(&children.ratings)?;
                    &child
                }
                "viewed_by" => {
                    child = serde_json::to_string(&children.viewed_by)?;
                    &child
                }
                // Absent: an `Option` that `Call` leaves out when it is `None`.
                _ => match values.get(key) {
                    Some(value) => value.get(),
                    None => continue,
                },
            };
            if json.len() > 1 {
                json.push(',');
            }
            json.push('"');
            json.push_str(key);
            json.push_str("\":");
            json.push_str(value);
        }
        json.push('}');
        RawValue::from_string(json).map(CallJson)
    }
}
