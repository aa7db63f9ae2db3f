//! `Idempotency-Key` on the dial endpoints: the same key with the same body within 24 hours
//! returns the first response and dials nobody again; with another body it is a `422`.
//! "The same body" means the same bytes to the same endpoint. The record is written in the
//! same transaction as the calls, so a key can never stand for a half-made request.

use crate::auth::Caller;
use crate::{ServiceError, ServiceResult, Services};
use sha2::{Digest, Sha256};
use switchyard_core::auth::IdempotencyRecord;
use switchyard_core::call::Call;
use switchyard_core::campaign::Campaign;
use switchyard_core::store::StoreError;

const RETENTION_SECONDS: i64 = 24 * 3600;
/// What a stored answer's status was: every request an `Idempotency-Key` is kept for
/// answered 200.
const ANSWERED_OK: u16 = 200;

pub struct IdempotencyKey {
    key: String,
    request_hash: String,
}

/// What to do with a request: answer it with the stored answer (its JSON body), or carry
/// it out.
pub enum Replay {
    Stored(String),
    Proceed(Option<IdempotencyKey>),
}

/// `given`: the request's `Idempotency-Key`, if it sent one; `endpoint` and `body` (its
/// bytes) are what "the same request" means.
pub async fn check(
    services: &Services,
    caller: &Caller,
    given: Option<&str>,
    endpoint: &str,
    body: &[u8],
) -> ServiceResult<Replay> {
    let Some(raw) = given else {
        return Ok(Replay::Proceed(None));
    };
    let key = raw.trim();
    if !(1..=255).contains(&key.len()) {
        return Err(ServiceError::Malformed(
            "Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned(),
        ));
    }
    let key = key.to_owned();
    let mut hasher = Sha256::new();
    hasher.update(endpoint.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    let request_hash = hex::encode(hasher.finalize());
    let org = caller.organization_id;
    if let Some(record) = services.store.find_idempotency(org, &key).await? {
        if record.created_at.plus_seconds(RETENTION_SECONDS) > services.clock.now_for(org) {
            return replay(&record, &request_hash).map(Replay::Stored);
        }
        services.store.delete_idempotency(org, &key).await?;
    }
    Ok(Replay::Proceed(Some(IdempotencyKey { key, request_hash })))
}

/// Stores the calls (and the key's record with the answer, atomically), wakes the engine,
/// and gives the answer back: `body` (the JSON the client gets), or the stored one of a
/// request with the same key that won a race.
pub async fn commit(
    services: &Services,
    caller: &Caller,
    calls: &[Call],
    campaign: Option<&Campaign>,
    key: Option<IdempotencyKey>,
    body: String,
) -> ServiceResult<String> {
    let org = caller.organization_id;
    let record = key.map(|k| IdempotencyRecord {
        key: k.key,
        request_hash: k.request_hash,
        status: ANSWERED_OK,
        body: body.clone(),
        created_at: services.clock.now_for(org),
    });
    match services
        .store
        .insert_calls(org, calls, campaign, record.as_ref())
        .await
    {
        Ok(()) => {
            calls.iter().for_each(|call| services.feed().status(call));
            services.engine.announce_changes().await;
            services.engine.wake();
            Ok(body)
        }
        // Another request with the same key won the race: answer as it did.
        Err(StoreError::Duplicate(_)) if record.is_some() => {
            let ours = record
                .as_ref()
                .map(|r| r.request_hash.as_str())
                .unwrap_or_default();
            let key = record.as_ref().map(|r| r.key.as_str()).unwrap_or_default();
            match services.store.find_idempotency(org, key).await? {
                Some(stored) => replay(&stored, ours),
                None => Err(ServiceError::Conflict(
                    "a request with this Idempotency-Key is in progress; retry".to_owned(),
                )),
            }
        }
        Err(other) => Err(other.into()),
    }
}

fn replay(record: &IdempotencyRecord, request_hash: &str) -> ServiceResult<String> {
    if record.request_hash != request_hash {
        return Err(ServiceError::invalid_field(
            "Idempotency-Key",
            "this key was already used with a different request body; use a new key for a new request",
        ));
    }
    Ok(record.body.clone())
}
