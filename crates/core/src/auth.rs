//! API keys as storage sees them: never the secret, only its hash.

use crate::Timestamp;
use crate::enums::Role;
use crate::id::{ApiKeyId, OrgId};

/// A stored key. `prefix` is the public, unique part (`sy_` and 10 characters) that the CLI
/// revokes by and masked forms show; `hash` is the SHA-256 of the whole key, hex-encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub organization_id: OrgId,
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

/// One of an organization's keys as the console lists it: with its member's current role
/// (`None` once the member is removed) and when it was revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyListing {
    pub key: ApiKeyRecord,
    pub role: Option<Role>,
    pub revoked_at: Option<Timestamp>,
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

/// A signed-in browser session of the review app (`/`, `/calls/{id}`, `/dial`). The cookie
/// carries a random token; only its SHA-256 (`token_hash`, hex) is stored. The session
/// belongs to the API key that opened it: revoking the key, or removing its member, ends it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebSession {
    pub token_hash: String,
    pub organization_id: OrgId,
    pub key_prefix: String,
    /// Sent back in every form and htmx request of the session (CSRF protection).
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for WebSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSession")
            .field("organization_id", &self.organization_id)
            .field("key_prefix", &self.key_prefix)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}
