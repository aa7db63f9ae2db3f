//! A Call as stored, and its wire JSON made from that without decoding it.
//!
//! A call is kept as a document (the Call without `notes`, `ratings` and `viewed_by`) plus
//! those three in tables of their own. Turning that into the JSON the API returns through
//! a [`Call`] means parsing the whole document into structs and writing them back out,
//! which was most of the time a page of 50 calls took (bench/README.md). [`CallJson`]
//! instead copies the document's top-level values as they are and writes the children in
//! between, in the order `Call` serializes its fields: byte for byte what serializing the
//! `Call` gives (checked for a call with every field set by the storage suite,
//! crates/server/tests/storage/calls.rs; the splicing itself is tested below).

use crate::call::{Call, Note, Rating};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use std::fmt;

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

    /// The [`Call`] itself, for code that works with its fields rather than sending it.
    pub fn to_call(&self) -> serde_json::Result<Call> {
        serde_json::from_str(self.get())
    }
}

/// `Call`'s keys in the order it serializes them (the storage suite's byte-for-byte test
/// fails if this drifts from the derive).
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
        let Entries(entries) = serde_json::from_str(doc)?;
        // Written through a serializer, the result needs no second parse to be a RawValue.
        serde_json::value::to_raw_value(&Spliced {
            values: in_call_order(entries)?,
            children: &children,
        })
        .map(CallJson)
    }
}

/// A JSON object's top-level entries, in the order they are written, values unparsed.
struct Entries<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Entries<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a stored call (a JSON object)")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::with_capacity(CALL_KEYS.len());
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// The stored values by their key's place in `CALL_KEYS`. A stored doc is written in
/// `Call`'s order, so each key is found at or just after the previous one's place (a
/// map keyed by name cost a twentieth of a `GET /calls/{id}`); one out of order is
/// still found, and an unknown one is an error.
fn in_call_order<'a>(
    entries: Vec<(&str, &'a RawValue)>,
) -> serde_json::Result<[Option<&'a RawValue>; CALL_KEYS.len()]> {
    let mut values = [None; CALL_KEYS.len()];
    let mut next = 0;
    for (key, value) in entries {
        let place = CALL_KEYS[next..]
            .iter()
            .position(|known| *known == key)
            .map(|offset| next + offset)
            .or_else(|| CALL_KEYS[..next].iter().position(|known| *known == key))
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "a stored call has the key `{key}`, which Call does not"
                ))
            })?;
        values[place] = Some(value);
        next = place + 1;
    }
    Ok(values)
}

/// The stored values and the children, in `Call`'s order.
struct Spliced<'a> {
    values: [Option<&'a RawValue>; CALL_KEYS.len()],
    children: &'a CallChildren,
}

impl Serialize for Spliced<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in CALL_KEYS.iter().zip(self.values) {
            match *key {
                "notes" => map.serialize_entry(key, &self.children.notes)?,
                "ratings" => map.serialize_entry(key, &self.children.ratings)?,
                "viewed_by" => map.serialize_entry(key, &self.children.viewed_by)?,
                // Absent: an `Option` that `Call` leaves out when it is `None`.
                _ => {
                    if let Some(value) = value {
                        map.serialize_entry(key, value)?;
                    }
                }
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spliced(doc: &str, children: CallChildren) -> serde_json::Result<String> {
        CallJson::from_stored(doc, children).map(|json| json.get().to_owned())
    }

    fn viewed(emails: &[&str]) -> CallChildren {
        CallChildren {
            viewed_by: emails.iter().map(|e| (*e).to_owned()).collect(),
            ..CallChildren::default()
        }
    }

    #[test]
    fn children_go_in_at_their_places_and_values_are_copied_as_written() {
        let doc = r#"{"id":"a","status":"Completed","created":"2024-01-01T00:00:00Z","params":{"b": 1,"a":[1, 2]},"answered_by":null}"#;
        assert_eq!(
            spliced(doc, viewed(&["x@acme.test"])).unwrap(),
            r#"{"id":"a","status":"Completed","created":"2024-01-01T00:00:00Z","viewed_by":["x@acme.test"],"params":{"b": 1,"a":[1, 2]},"notes":[],"ratings":[],"answered_by":null}"#
        );
    }

    #[test]
    fn a_doc_out_of_order_gives_the_same_json() {
        let in_order = r#"{"id":"a","type":"outbound","status":"Queued","costs":{"total":0}}"#;
        let shuffled = r#"{"costs":{"total":0},"status":"Queued","id":"a","type":"outbound"}"#;
        assert_eq!(
            spliced(shuffled, viewed(&[])).unwrap(),
            spliced(in_order, viewed(&[])).unwrap()
        );
    }

    #[test]
    fn an_unknown_key_or_a_doc_that_is_no_object_is_an_error() {
        let unknown = spliced(r#"{"id":"a","surprise":1}"#, viewed(&[])).unwrap_err();
        assert!(unknown.to_string().contains("`surprise`"), "{unknown}");
        assert!(spliced("[1, 2]", viewed(&[])).is_err());
        assert!(spliced(r#"{"id":"a""#, viewed(&[])).is_err());
    }
}
