//! API keys and the caller they stand for. A key looks like `sy_3f9a0c2b1d_<43
//! characters>`: `sy_` and ten hex characters form the public prefix that finds the stored
//! record; the whole key is stored only as its SHA-256 and compared in constant time. Keys
//! are never logged.

use crate::Services;
use crate::error::ServiceError;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use switchyard_core::auth::{ApiKeyRecord, KeyOwner};
use switchyard_core::enums::Role;
use switchyard_core::time::Timestamp;
use switchyard_core::{Id, OrgId};

pub const KEY_PREFIX: &str = "sy_";
pub const PREFIX_LEN: usize = KEY_PREFIX.len() + 10;

/// A freshly made key: the secret is shown once and only its record is stored.
pub struct NewApiKey {
    pub secret: String,
    pub record: ApiKeyRecord,
}

pub fn generate_api_key(org: OrgId, member_email: &str, now: Timestamp) -> NewApiKey {
    let mut rng = rand::rng();
    let mut lookup = [0u8; 5];
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut lookup);
    rng.fill_bytes(&mut secret);
    let key = format!(
        "{KEY_PREFIX}{}_{}",
        hex::encode(lookup),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    let record = ApiKeyRecord {
        id: Id::new(now),
        organization_id: org,
        prefix: key[..PREFIX_LEN].to_owned(),
        hash: hash_key(&key),
        last4: key[key.len() - 4..].to_owned(),
        member_email: member_email.to_owned(),
        created_at: now,
    };
    NewApiKey {
        secret: key,
        record,
    }
}

/// SHA-256, hex: how keys (and the review app's session tokens) are stored.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// How a key is shown after creation: prefix and last four characters.
pub fn masked(prefix: &str, last4: &str) -> String {
    format!("{prefix}…{last4}")
}

/// The authenticated member behind a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub organization_id: OrgId,
    pub email: String,
    pub role: Role,
    pub key_prefix: String,
    pub key_last4: String,
}

impl Caller {
    /// `Forbidden` unless the member's role is at least `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ServiceError> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "this needs the {needed} role or higher; the key's member ({}) is a {}",
                self.email, self.role
            )))
        }
    }
}

/// The member behind a presented key: `Unauthenticated` unless it is one of ours, unrevoked
/// (as of at most `--key-cache-ms` ago: key_cache.rs). The API's `authorization` header and
/// the review app's sign-in form both go through here.
pub async fn authenticate(services: &Services, presented: &str) -> Result<Caller, ServiceError> {
    // Refuse anything that cannot be one of our keys before touching the database.
    if !presented.is_ascii()
        || !presented.starts_with(KEY_PREFIX)
        || presented.len() < PREFIX_LEN + 8
    {
        return Err(bad_key());
    }
    let hash = hash_key(presented);
    let now = services.clock.now();
    if let Some(owner) = services.keys.get(&hash, now) {
        return Ok(Caller::from(owner));
    }
    let generation = services.keys.generation();
    let owner = services
        .store
        .find_api_key(&presented[..PREFIX_LEN])
        .await?
        .ok_or_else(bad_key)?;
    let matches: bool = hash.as_bytes().ct_eq(owner.key.hash.as_bytes()).into();
    if !matches {
        return Err(bad_key());
    }
    services.keys.put(hash, owner.clone(), now, generation);
    Ok(Caller::from(owner))
}

impl From<KeyOwner> for Caller {
    /// The caller a live key (or a review-app session, which lives as long as its key)
    /// stands for.
    fn from(owner: KeyOwner) -> Caller {
        Caller {
            organization_id: owner.key.organization_id,
            email: owner.key.member_email,
            role: owner.role,
            key_prefix: owner.key.prefix,
            key_last4: owner.key.last4,
        }
    }
}

/// The one answer for a key that is not ours, whatever the reason.
pub fn bad_key() -> ServiceError {
    ServiceError::Unauthenticated("invalid or revoked API key".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_the_prefix_and_only_their_hash_is_kept() {
        let org = Id::new(Timestamp::from_millis(0));
        let key = generate_api_key(org, "a@b.co", Timestamp::from_millis(0));
        assert!(key.secret.starts_with("sy_"));
        assert_eq!(key.record.prefix, key.secret[..PREFIX_LEN]);
        assert_eq!(key.record.hash, hash_key(&key.secret));
        assert!(!key.record.hash.contains(&key.secret[PREFIX_LEN..]));
        assert!(key.secret.len() >= 50);
        assert!(!format!("{:?}", key.record).contains(&key.record.hash));
    }
}
