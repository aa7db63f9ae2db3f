//! Recording links that work without an API key (contract §4 #6): the URL carries its
//! expiry and an HMAC-SHA256 signature of the call and the expiry, made with a server-wide
//! key kept in the database (so every instance can check every link).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use switchyard_core::store::{Store, StoreResult};
use switchyard_core::{CallId, OrgId, Timestamp};

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
