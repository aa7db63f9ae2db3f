//! The query string of `GET /webhooks/deliveries`: the filters, the page size, and the
//! cursor. Pages are always by key (newest first, on `created_at` then id), so each costs
//! the same at any depth. As with `GET /calls`, the cursor is opaque: inside it is the last
//! delivery of the page before and a fingerprint of the filters it was made for, so that a
//! cursor sent with other filters is refused rather than misread.

use crate::ServiceError;
use crate::calls::query::{MAX_LIMIT, bounded};
use crate::validate::{Errors, parse_field_id};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use switchyard_core::CallId;
use switchyard_core::time::Timestamp;
use switchyard_core::webhook::{DeliveryKey, DeliveryQuery, DeliveryRecord, DeliveryState};

/// Every value is read as a string and checked here; the types below are what is valid.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Only the deliveries of this call (another organization's call has none).
    #[param(value_type = Option<CallId>)]
    pub call_id: Option<String>,
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryState>)]
    pub state: Option<String>,
    /// Deliveries per page, 1 to 2000 (default 2000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 2000)]
    pub limit: Option<String>,
    /// The `next_cursor` of the page before; absent or empty for the first page. The
    /// filters must stay the same.
    pub cursor: Option<String>,
}

impl DeliveryParams {
    /// The page asked for, and the filters its cursor must be bound to.
    pub(super) fn parse(&self) -> Result<(DeliveryQuery, Fingerprint), ServiceError> {
        let mut errors = Errors::default();
        let limit = match &self.limit {
            None => MAX_LIMIT,
            Some(raw) => errors
                .check(bounded("limit", raw, 1, u64::from(MAX_LIMIT)))
                .map_or(MAX_LIMIT, |n| n as u32),
        };
        let call_id =
            non_empty(&self.call_id).and_then(|raw| errors.check(parse_field_id("call_id", raw)));
        let state = non_empty(&self.state).and_then(|raw| {
            errors.check(
                raw.parse::<DeliveryState>()
                    .map_err(|e| crate::FieldError::new("state", e.to_string())),
            )
        });
        errors.finish()?;
        let fingerprint = Fingerprint::of(call_id, state);
        let before = match non_empty(&self.cursor) {
            None => None,
            Some(raw) => Some(fingerprint.check(raw)?),
        };
        let query = DeliveryQuery {
            call_id,
            state,
            limit,
            before,
        };
        Ok((query, fingerprint))
    }
}

fn non_empty(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The filters a cursor was made for, hashed.
pub(super) struct Fingerprint(String);

impl Fingerprint {
    fn of(call_id: Option<CallId>, state: Option<DeliveryState>) -> Fingerprint {
        let digest = Sha256::digest(format!("{call_id:?}|{state:?}"));
        Fingerprint(hex::encode(&digest[..8]))
    }

    /// The cursor that starts the page after `last`.
    pub(super) fn cursor(&self, last: &DeliveryRecord) -> String {
        let key = last.key();
        let text = format!("{}.{}.{}", key.created.millis(), key.id, self.0);
        URL_SAFE_NO_PAD.encode(text)
    }

    /// Where the page of cursor `raw` starts: `422` on `cursor` unless this server made it
    /// for these filters.
    fn check(&self, raw: &str) -> Result<DeliveryKey, ServiceError> {
        let (key, fingerprint) = decode(raw).ok_or_else(|| {
            ServiceError::invalid_field("cursor", "not a cursor this server issued")
        })?;
        if fingerprint != self.0 {
            return Err(ServiceError::invalid_field(
                "cursor",
                "the cursor was made for other filters: keep them as they were, or start again without a cursor",
            ));
        }
        Ok(key)
    }
}

fn decode(raw: &str) -> Option<(DeliveryKey, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let mut parts = text.split('.');
    let created = Timestamp::from_millis(parts.next()?.parse().ok()?);
    let id = parts.next()?.parse().ok()?;
    let fingerprint = parts.next()?.to_owned();
    parts
        .next()
        .is_none()
        .then_some((DeliveryKey { created, id }, fingerprint))
}
