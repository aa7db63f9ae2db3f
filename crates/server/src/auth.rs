//! API keys and the `Caller` extractor. A key looks like `sy_3f9a0c2b1d_<43 characters>`:
//! `sy_` and ten hex characters form the public prefix that finds the stored record; the
//! whole key is stored only as its SHA-256 and compared in constant time. Keys are never
//! logged: only the prefix goes on the request span.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
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
    /// `403` unless the member's role is at least `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {needed} role or higher; the key's member ({}) is a {}",
                self.email, self.role
            )))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(state, presented_key(parts)?).await
    }
}

/// The member behind a presented key: `401` unless it is one of ours, unrevoked (as of at
/// most `--key-cache-ms` ago: key_cache.rs). The API's `authorization` header and the
/// review app's sign-in form both go through here.
pub async fn authenticate(state: &AppState, presented: &str) -> Result<Caller, ApiError> {
    // Refuse anything that cannot be one of our keys before touching the database.
    if !presented.is_ascii()
        || !presented.starts_with(KEY_PREFIX)
        || presented.len() < PREFIX_LEN + 8
    {
        return Err(bad_key());
    }
    let hash = hash_key(presented);
    let now = state.clock.now();
    if let Some(owner) = state.keys.get(&hash, now) {
        return Ok(Caller::from_owner(owner));
    }
    let generation = state.keys.generation();
    let owner = state
        .store
        .find_api_key(&presented[..PREFIX_LEN])
        .await?
        .ok_or_else(bad_key)?;
    let matches: bool = hash.as_bytes().ct_eq(owner.key.hash.as_bytes()).into();
    if !matches {
        return Err(bad_key());
    }
    state.keys.put(hash, owner.clone(), now, generation);
    Ok(Caller::from_owner(owner))
}

impl Caller {
    /// The caller a live key stands for; records the organization and key prefix (never the
    /// key) on the request span.
    pub fn from_owner(owner: KeyOwner) -> Caller {
        record_on_span(&owner);
        Caller {
            organization_id: owner.key.organization_id,
            email: owner.key.member_email,
            role: owner.role,
            key_prefix: owner.key.prefix,
            key_last4: owner.key.last4,
        }
    }
}

/// Both fields in one record: the JSON log format re-reads and rewrites a span's fields on
/// every record, and recording the two one by one was a seventh of a `GET /calls/{id}`
/// with JSON logs (bench/README.md).
fn record_on_span(owner: &KeyOwner) {
    let span = tracing::Span::current();
    let Some(fields) = span.metadata().map(|metadata| metadata.fields()) else {
        return;
    };
    let (Some(org_field), Some(prefix_field)) =
        (fields.field("org_id"), fields.field("key_prefix"))
    else {
        return;
    };
    let org_id = tracing::field::display(owner.key.organization_id);
    let prefix = owner.key.prefix.as_str();
    span.record_all(&fields.value_set(&[
        (&org_field, Some(&org_id as &dyn tracing::Value)),
        (&prefix_field, Some(&prefix as &dyn tracing::Value)),
    ]));
}

fn presented_key(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "missing API key: send the header `authorization: Bearer <api key>`".to_owned(),
            )
        })?
        .to_str()
        .map_err(|_| bad_key())?
        .trim();
    let key = match header.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return Err(bad_key()),
        None => header,
    };
    Ok(key)
}

fn bad_key() -> ApiError {
    ApiError::Unauthorized("invalid or revoked API key".to_owned())
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
