//! A Call as stored, and its wire JSON made from that without decoding it.
//!
//! A call is kept as a document (the Call without `notes`, `ratings` and `viewed_by`) plus
//! those three in tables of their own. Turning that into the JSON the API returns through
//! a [`Call`] means parsing the whole document into structs and writing them back out,
//! which was most of the time a page of 50 calls took (bench/README.md). [`CallJson`]
//! instead copies the document as it is and writes the children in between, in the order
//! `Call` serializes its fields: byte for byte what serializing the `Call` gives (checked
//! for a call with every field set by the storage suite, crates/server/tests/storage/calls.rs;
//! the splicing itself is tested below).
//!
//! Where the children go is stored beside the document ([`ChildPlaces`], written with it),
//! so sending a call does not parse it at all. A document without them (written before
//! they were kept) is parsed for its top-level keys instead.

use crate::call::{Call, Note, Rating};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use std::fmt;
use std::fmt::Write as _;

/// A call's notes, ratings and views, stored beside its document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallChildren {
    pub notes: Vec<Note>,
    pub ratings: Vec<Rating>,
    pub viewed_by: Vec<String>,
}

/// Where a stored document's children go: the byte offsets at which `viewed_by`, `notes`
/// and `ratings` are written in, each right after the value of the key before it, plus a
/// checksum of the document they were taken from. Kept as text in the column beside the
/// document (`doc_child_places`): `viewed_by,notes,ratings,crc32`.
///
/// The checksum makes places that do not belong to the document harmless: a version of
/// switchyard that predates them rewrites a document without them (a rolling upgrade on
/// PostgreSQL), and the next read finds they no longer match and parses instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildPlaces {
    viewed_by: usize,
    notes: usize,
    ratings: usize,
    checksum: u32,
}

impl ChildPlaces {
    /// The places found while writing `doc` (crates/store-common/call_row.rs).
    pub fn new(doc: &str, viewed_by: usize, notes: usize, ratings: usize) -> ChildPlaces {
        ChildPlaces {
            viewed_by,
            notes,
            ratings,
            checksum: crc32fast::hash(doc.as_bytes()),
        }
    }

    /// As stored.
    pub fn to_column(&self) -> String {
        let mut text = String::with_capacity(32);
        let _ = write!(
            text,
            "{},{},{},{}",
            self.viewed_by, self.notes, self.ratings, self.checksum
        );
        text
    }

    /// The stored text, if it is well formed.
    pub fn from_column(text: &str) -> Option<ChildPlaces> {
        let mut numbers = text.split(',');
        let mut next = || numbers.next()?.parse::<usize>().ok();
        let places = ChildPlaces {
            viewed_by: next()?,
            notes: next()?,
            ratings: next()?,
            checksum: u32::try_from(next()?).ok()?,
        };
        numbers.next().is_none().then_some(places)
    }

    /// Whether these are `doc`'s places: taken from this very text, in order, inside it.
    fn fit(&self, doc: &str) -> bool {
        self.viewed_by <= self.notes
            && self.notes <= self.ratings
            && self.ratings < doc.len()
            && [self.viewed_by, self.notes, self.ratings]
                .iter()
                .all(|&at| doc.is_char_boundary(at))
            && crc32fast::hash(doc.as_bytes()) == self.checksum
    }
}

/// What a store can make from a stored call: the [`Call`], or its wire JSON.
pub trait FromStored: Sized {
    fn from_stored(
        doc: &str,
        places: Option<ChildPlaces>,
        children: CallChildren,
    ) -> serde_json::Result<Self>;
}

impl FromStored for Call {
    fn from_stored(
        doc: &str,
        _: Option<ChildPlaces>,
        children: CallChildren,
    ) -> serde_json::Result<Call> {
        let mut call: Call = serde_json::from_str(doc)?;
        call.notes = children.notes;
        call.ratings = children.ratings;
        call.viewed_by = children.viewed_by;
        Ok(call)
    }
}

/// A Call's wire JSON, as serializing the [`Call`] would give it. Sent as it is (the API's
/// responses write it in place; it is no `Serialize`, which would have to check it again).
/// UTF-8 kept as bytes: it is made of a stored document's text and serde_json's output, and
/// holding it as a `String` meant checking every byte once more (5% of the instructions of
/// a page of 50 calls).
#[derive(Clone, Debug)]
pub struct CallJson(Vec<u8>);

impl CallJson {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The [`Call`] itself, for code that works with its fields rather than sending it.
    pub fn to_call(&self) -> serde_json::Result<Call> {
        serde_json::from_slice(&self.0)
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
    fn from_stored(
        doc: &str,
        places: Option<ChildPlaces>,
        children: CallChildren,
    ) -> serde_json::Result<CallJson> {
        let json = match places.filter(|places| places.fit(doc)) {
            Some(places) => spliced_at(doc, places, &children)?,
            None => {
                let Entries(entries) = serde_json::from_str(doc)?;
                serde_json::to_vec(&Spliced {
                    values: in_call_order(entries)?,
                    children: &children,
                })?
            }
        };
        Ok(CallJson(json))
    }
}

/// `doc` with the children written in at their places, unparsed.
fn spliced_at(
    doc: &str,
    places: ChildPlaces,
    children: &CallChildren,
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(doc.len() + 64 + 160 * children.notes.len());
    out.extend_from_slice(&doc.as_bytes()[..places.viewed_by]);
    out.extend_from_slice(br#","viewed_by":"#);
    serde_json::to_writer(&mut out, &children.viewed_by)?;
    out.extend_from_slice(&doc.as_bytes()[places.viewed_by..places.notes]);
    out.extend_from_slice(br#","notes":"#);
    serde_json::to_writer(&mut out, &children.notes)?;
    out.extend_from_slice(&doc.as_bytes()[places.notes..places.ratings]);
    out.extend_from_slice(br#","ratings":"#);
    serde_json::to_writer(&mut out, &children.ratings)?;
    out.extend_from_slice(&doc.as_bytes()[places.ratings..]);
    Ok(out)
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
        CallJson::from_stored(doc, None, children).map(text)
    }

    /// The JSON as text; the test fails if it is not UTF-8.
    fn text(json: CallJson) -> String {
        String::from_utf8(json.into_bytes()).expect("UTF-8")
    }

    fn spliced_with(
        doc: &str,
        places: ChildPlaces,
        children: CallChildren,
    ) -> serde_json::Result<String> {
        CallJson::from_stored(doc, Some(places), children).map(text)
    }

    /// A doc as the store writes it, and its places: after `created`, after
    /// `parent_call_id`, after `samples`.
    const DOC: &str = r#"{"id":"a","created":"2024-01-01T00:00:00Z","params":{"notes":[1]},"parent_call_id":null,"samples":[],"answered_by":"human"}"#;

    fn doc_places() -> ChildPlaces {
        let after = |key: &str| {
            let start = DOC.find(&format!(r#""{key}":"#)).unwrap();
            start + DOC[start..].find([',', '}']).unwrap()
        };
        ChildPlaces::new(
            DOC,
            after("created"),
            after("parent_call_id"),
            after("samples"),
        )
    }

    fn some_children() -> CallChildren {
        CallChildren {
            notes: vec![Note {
                id: crate::Id::new(crate::Timestamp::from_millis(0)),
                user_id: "u@acme.test".to_owned(),
                content: "called back \"later\"".to_owned(),
                flagged: true,
                created_at: crate::Timestamp::from_millis(0),
                updated_at: None,
            }],
            ratings: vec![],
            viewed_by: vec!["x@acme.test".to_owned(), "y@acme.test".to_owned()],
        }
    }

    #[test]
    fn children_written_in_at_stored_places_give_what_parsing_gives() {
        let children = some_children();
        let by_places = spliced_with(DOC, doc_places(), children.clone()).unwrap();
        assert_eq!(by_places, spliced(DOC, children).unwrap());
        assert!(by_places.contains(r#""viewed_by":["x@acme.test","y@acme.test"],"params""#));
        serde_json::from_str::<serde_json::Value>(&by_places).unwrap();
    }

    #[test]
    fn places_round_trip_through_their_column_and_reject_other_text() {
        let places = doc_places();
        assert_eq!(ChildPlaces::from_column(&places.to_column()), Some(places));
        for bad in ["", "1,2,3", "1,2,3,4,5", "a,2,3,4", "1,2,3,99999999999"] {
            assert_eq!(ChildPlaces::from_column(bad), None, "{bad}");
        }
    }

    #[test]
    fn places_of_another_doc_are_not_used() {
        // The doc rewritten without its places (an older version): the checksum differs,
        // so the doc is parsed, and the result is still right.
        let rewritten = DOC.replace(r#""answered_by":"human""#, r#""answered_by":"machine""#);
        let children = some_children();
        let stale = spliced_with(&rewritten, doc_places(), children.clone()).unwrap();
        assert_eq!(stale, spliced(&rewritten, children).unwrap());
        // Places past the end, or out of order, are not used either.
        let past_end = ChildPlaces::new(DOC, 5, 10, DOC.len());
        assert!(!past_end.fit(DOC));
        let out_of_order = ChildPlaces::new(DOC, 10, 5, 20);
        assert!(!out_of_order.fit(DOC));
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
