//! Recording links that work without an API key (contract §4 #6): the URL carries its
//! expiry and an HMAC-SHA256 signature of the call and the expiry, made with a server-wide
//! key kept in the database (so every instance can check every link).

use crate::{ServiceError, ServiceResult, Services};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use switchyard_core::store::{Store, StoreResult};
use switchyard_core::{CallId, OrgId, Timestamp};
use switchyard_engine::recording_key;

const KEY_NAME: &str = "recording-url-signing";

#[derive(Clone)]
pub struct RecordingLinks {
    key: Vec<u8>,
}

impl RecordingLinks {
    pub async fn load(store: &dyn Store) -> StoreResult<RecordingLinks> {
        let generate = || hex::encode(rand::random::<[u8; 32]>());
        let key = store.server_secret(KEY_NAME, &generate).await?;
        Ok(RecordingLinks {
            key: key.into_bytes(),
        })
    }

    /// `/recordings/{org}/{call}.wav?expires=...&signature=...`
    pub fn path(&self, org: OrgId, call: CallId, expires: Timestamp) -> String {
        let expires = expires.unix_seconds();
        let signature = self.signature(org, call, expires);
        format!("/recordings/{org}/{call}.wav?expires={expires}&signature={signature}")
    }

    /// Whether the link is authentic and not expired at `now`.
    pub fn verify(
        &self,
        org: OrgId,
        call: CallId,
        expires: i64,
        signature: &str,
        now: Timestamp,
    ) -> bool {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        self.mac(org, call, expires).verify_slice(&given).is_ok() && now.unix_seconds() < expires
    }

    fn signature(&self, org: OrgId, call: CallId, expires: i64) -> String {
        hex::encode(self.mac(org, call, expires).finalize().into_bytes())
    }

    fn mac(&self, org: OrgId, call: CallId, expires: i64) -> Hmac<Sha256> {
        // Any key length is accepted by HMAC.
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(format!("{org}/{call}:{expires}").as_bytes());
        mac
    }
}

/// The recording a signed link names: `Forbidden` (saying no more) unless the link is
/// valid at the clock's `now`, `NotFound` once the call was deleted. No API key: the
/// signature is the credential.
pub async fn by_link(
    services: &Services,
    org: OrgId,
    call: CallId,
    expires: i64,
    signature: &str,
) -> ServiceResult<Vec<u8>> {
    let now = services.clock.now_for(org);
    if !services
        .recording_links
        .verify(org, call, expires, signature, now)
    {
        return Err(bad_link());
    }
    let wav = services
        .blobs
        .get(&recording_key(org, call))
        .await
        .map_err(ServiceError::internal)?;
    wav.ok_or_else(|| {
        ServiceError::NotFound("the recording no longer exists (the call was deleted)".to_owned())
    })
}

/// The one answer to a link that is not valid, whatever is wrong with it.
pub fn bad_link() -> ServiceError {
    ServiceError::Forbidden(
        "this recording link is invalid or has expired: ask the API for a new one".to_owned(),
    )
}
