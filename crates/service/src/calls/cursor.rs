//! The `cursor` extension of `GET /calls`: keyset paging whose pages cost the same at any
//! depth (OFFSET paging walks every skipped row). A cursor is opaque to clients; inside it
//! is the last call of the page before (its `created` and id), the offset of the next page
//! (so responses keep reporting `offset`), and a fingerprint of the filters and sort it was
//! made for, so that a cursor used with other filters is refused rather than misread.

use crate::ServiceError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use switchyard_core::call_query::{CallKey, CallList, CallQuery};
use switchyard_core::time::Timestamp;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CursorParams {
    /// **(Extension)** Keyset paging: send it empty for the first page, then the
    /// `next_cursor` of each response; responses then carry `next_cursor` (null after the
    /// last page). Not with `skip`; the filters and `sort` must stay the same.
    cursor: Option<String>,
}

/// Where a cursor-paged request starts.
pub struct CursorPage {
    pub after: Option<CallKey>,
    pub offset: u64,
    fingerprint: String,
}

impl CursorParams {
    /// `None` without `cursor`; otherwise where the page starts, and `query` set to start there.
    pub fn apply(&self, query: &mut CallQuery) -> Result<Option<CursorPage>, ServiceError> {
        let Some(raw) = self.cursor.as_deref().map(str::trim) else {
            return Ok(None);
        };
        if query.skip != 0 {
            return Err(ServiceError::invalid_field(
                "cursor",
                "send either `skip` or `cursor`, not both",
            ));
        }
        let fingerprint = fingerprint(query);
        let page = if raw.is_empty() {
            CursorPage {
                after: None,
                offset: 0,
                fingerprint,
            }
        } else {
            let page = decode(raw).ok_or_else(|| {
                ServiceError::invalid_field("cursor", "not a cursor this server issued")
            })?;
            if page.fingerprint != fingerprint {
                return Err(ServiceError::invalid_field(
                    "cursor",
                    "the cursor was made for other filters or another sort: keep them as they were, or start again with an empty cursor",
                ));
            }
            page
        };
        query.after = page.after;
        Ok(Some(page))
    }
}

impl CursorPage {
    /// The cursor of the page after `list`, or `None` when it ends the matches.
    pub fn next<C>(&self, list: &CallList<C>, limit: u32) -> Option<String> {
        let last = list.last?;
        let offset = self.offset + list.calls.len() as u64;
        if list.calls.len() < limit as usize || offset >= list.count {
            return None;
        }
        let text = format!(
            "{}.{}.{}.{}",
            last.created.millis(),
            last.id,
            offset,
            self.fingerprint
        );
        Some(URL_SAFE_NO_PAD.encode(text))
    }
}

fn decode(raw: &str) -> Option<CursorPage> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let mut parts = text.split('.');
    let created = Timestamp::from_millis(parts.next()?.parse().ok()?);
    let id = parts.next()?.parse().ok()?;
    let offset = parts.next()?.parse().ok()?;
    let fingerprint = parts.next()?.to_owned();
    parts.next().is_none().then_some(CursorPage {
        after: Some(CallKey { created, id }),
        offset,
        fingerprint,
    })
}

/// The filters and sort, hashed: every field takes part.
fn fingerprint(query: &CallQuery) -> String {
    let digest = Sha256::digest(format!("{:?}|{}", query.filter, query.sort));
    hex::encode(&digest[..8])
}
