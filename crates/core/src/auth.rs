//! API keys as storage sees them: never the secret, only its hash.

use crate::enums::Role;
use crate::{Id, Timestamp};

/// A stored key. `prefix` is the public, unique part (`sy_` and 10 characters) that the CLI
/// revokes by and masked forms show; `hash` is the SHA-256 of the whole key, hex-encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: Id,
    pub organization_id: Id,
    pub prefix: String,
    pub hash: String,
    pub last4: String,
    pub member_email: String,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyRecord")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("prefix", &self.prefix)
            .field("member_email", &self.member_email)
            .finish_non_exhaustive()
    }
}

/// A live key with the role its member has now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOwner {
    pub key: ApiKeyRecord,
    pub role: Role,
}

/// A stored response to a dial request made with an `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub key: String,
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub created_at: Timestamp,
}
