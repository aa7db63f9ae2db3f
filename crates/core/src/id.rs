//! Contract ids: 24 lowercase hex characters, 4 bytes of big-endian Unix seconds then 8
//! process-unique bytes, so they sort by creation time.

use bson::oid::ObjectId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

/// The id of an object of kind `K` ([`CallId`], [`NoteId`], ...): a call's id cannot be
/// passed where a note's is expected. On the wire every kind is the same 24 hex characters.
pub struct Id<K: Kind>(ObjectId, PhantomData<fn() -> K>);

/// What kind of object an id names, and what to call it when it is not found.
pub trait Kind: 'static {
    const ENTITY: Entity;
}

/// The objects that have ids, as messages name them ("call not found").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    Organization,
    Call,
    Note,
    UseCase,
    Agent,
    Number,
    Campaign,
    Export,
    Transcript,
    Delivery,
    ApiKey,
    Member,
    Recording,
    Message,
    Prompt,
    Scenario,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Organization => "organization",
            Entity::Call => "call",
            Entity::Note => "note",
            Entity::UseCase => "use case",
            Entity::Agent => "agent",
            Entity::Number => "number",
            Entity::Campaign => "campaign",
            Entity::Export => "export",
            Entity::Transcript => "transcript",
            Entity::Delivery => "webhook delivery",
            Entity::ApiKey => "API key",
            Entity::Member => "member",
            Entity::Recording => "recording",
            Entity::Message => "message",
            Entity::Prompt => "prompt",
            Entity::Scenario => "scenario",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! kinds {
    ($($kind:ident => $alias:ident;)*) => {
        /// The kinds of [`Id`]: types with no values, only names.
        pub mod kind {
            $(
                #[derive(Debug)]
                pub enum $kind {}
                impl super::Kind for $kind {
                    const ENTITY: super::Entity = super::Entity::$kind;
                }
            )*
        }
        $(pub type $alias = Id<kind::$kind>;)*
    };
}

kinds! {
    Organization => OrgId;
    Call => CallId;
    Note => NoteId;
    UseCase => UseCaseId;
    Agent => AgentId;
    Number => NumberId;
    Campaign => CampaignId;
    Export => ExportId;
    Transcript => TranscriptId;
    Delivery => DeliveryId;
    ApiKey => ApiKeyId;
    Message => MessageId;
    Prompt => PromptId;
    Scenario => ScenarioId;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an id: ids are 24 hexadecimal characters")]
pub struct MalformedId(pub String);

impl<K: Kind> Id<K> {
    /// A new id whose time part is `now` (the injected clock's time, not the wall clock's).
    pub fn new(now: crate::Timestamp) -> Id<K> {
        let mut bytes = ObjectId::new().bytes();
        let seconds = u32::try_from(now.unix_seconds().max(0)).unwrap_or(u32::MAX);
        bytes[..4].copy_from_slice(&seconds.to_be_bytes());
        Id(ObjectId::from_bytes(bytes), PhantomData)
    }

    /// The 24 hex characters, without allocating (ids are formatted on every row written
    /// and every response; `ObjectId::to_hex` builds a `String` char by char).
    fn hex(&self) -> [u8; 24] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 24];
        for (i, byte) in self.0.bytes().iter().enumerate() {
            out[2 * i] = DIGITS[usize::from(byte >> 4)];
            out[2 * i + 1] = DIGITS[usize::from(byte & 0x0f)];
        }
        out
    }
}

impl<K: Kind> FromStr for Id<K> {
    type Err = MalformedId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Into the id's 12 bytes directly: `ObjectId::parse_str` decodes into a `Vec` first,
        // and every id of every row read is parsed (bench/README.md).
        let mut bytes = [0u8; 12];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| MalformedId(s.to_owned()))?;
        Ok(Id(ObjectId::from_bytes(bytes), PhantomData))
    }
}

// Written out rather than derived: a derive would require `K` itself to be `Clone`, `Eq`...
impl<K: Kind> Clone for Id<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Kind> Copy for Id<K> {}

impl<K: Kind> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K: Kind> Eq for Id<K> {}

impl<K: Kind> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<K: Kind> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Kind> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl<K: Kind> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl<K: Kind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

impl<K: Kind> Serialize for Id<K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hex = self.hex();
        s.serialize_str(std::str::from_utf8(&hex).map_err(serde::ser::Error::custom)?)
    }
}

impl<'de, K: Kind> Deserialize<'de> for Id<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// On the wire: the bare 24-hex string, one schema (`Id`) for every kind.
impl<K: Kind> utoipa::PartialSchema for Id<K> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some("^[0-9a-f]{24}$"))
            .description(Some(
                "24 lowercase hexadecimal characters; the first 8 are the creation time in Unix seconds",
            ))
            .examples([serde_json::json!("65920080a1b2c3d4e5f60718")])
            .into()
    }
}

impl<K: Kind> utoipa::ToSchema for Id<K> {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    type Id = CallId;

    #[test]
    fn ids_are_24_lowercase_hex_and_start_with_the_clock_seconds() {
        let now = Timestamp::parse("2024-01-01T01:01:01Z").unwrap();
        let id = Id::new(now).to_string();
        assert_eq!(id.len(), 24);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(&id[..8], format!("{:08x}", now.unix_seconds()));
    }

    #[test]
    fn ids_print_and_serialize_as_the_object_id_hex() {
        for _ in 0..100 {
            let id = Id::new(Timestamp::from_millis(1_700_000_000_123));
            assert_eq!(id.to_string(), id.0.to_hex());
            assert_eq!(
                serde_json::to_string(&id).unwrap(),
                format!("\"{}\"", id.0.to_hex())
            );
            assert_eq!(format!("{id:?}"), format!("Id({})", id.0.to_hex()));
            assert_eq!(id.to_string().parse::<Id>().unwrap(), id);
        }
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = Id::new(Timestamp::parse("2024-01-01T00:00:00Z").unwrap());
        let b = Id::new(Timestamp::parse("2024-01-01T00:00:01Z").unwrap());
        assert!(a.to_string() < b.to_string());
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "abc",
            "0123456789abcdef0123456",
            "0123456789abcdef012345678",
            "zz23456789abcdef01234567",
            "+123456789abcdef01234567",
            "0123456789abcdef012345\u{e9}",
        ] {
            assert!(bad.parse::<Id>().is_err(), "{bad}");
        }
        assert!("0123456789abcdef01234567".parse::<Id>().is_ok());
        assert_eq!(
            "0123456789ABCDEF01234567"
                .parse::<Id>()
                .unwrap()
                .to_string(),
            "0123456789abcdef01234567"
        );
    }
}
