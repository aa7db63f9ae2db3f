// Review-app sessions: one row per signed-in browser, found by the SHA-256 of its cookie
// token. A session is only as alive as its API key: the lookup joins the key (unrevoked)
// and its member (still there, with the role it has now).

use crate::{Backend, ThisStore};
use crate::support::{OrBackend, backend, get, get_id};
use switchyard_core::auth::{ApiKeyRecord, KeyOwner, WebSession};
use switchyard_core::store::{SessionStore, StoreResult};
use switchyard_core::Timestamp;

#[async_trait::async_trait]
impl SessionStore for ThisStore {
    async fn create_session(&self, session: &WebSession) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(session.created_at.millis())
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query(
            "INSERT INTO web_sessions \
             (token_hash, organization_id, key_prefix, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&session.token_hash)
        .bind(session.organization_id.to_string())
        .bind(&session.key_prefix)
        .bind(&session.csrf_token)
        .bind(session.created_at.millis())
        .bind(session.expires_at.millis())
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn find_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(WebSession, KeyOwner)>> {
        let row = sqlx::query(
            "SELECT s.token_hash, s.organization_id, s.key_prefix, s.csrf_token, \
                    s.created_at, s.expires_at, \
                    k.id AS key_id, k.hash, k.last4, k.member_email, \
                    k.created_at AS key_created_at, m.role \
             FROM web_sessions s \
             JOIN api_keys k ON k.prefix = s.key_prefix \
                  AND k.organization_id = s.organization_id AND k.revoked_at IS NULL \
             JOIN members m ON m.organization_id = k.organization_id AND m.email = k.member_email \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now.millis())
        .fetch_optional(self.reader())
        .await
        .db()?;
        let Some(row) = row else { return Ok(None) };
        let session = WebSession {
            token_hash: get(&row, "token_hash")?,
            organization_id: get_id(&row, "organization_id")?,
            key_prefix: get(&row, "key_prefix")?,
            csrf_token: get(&row, "csrf_token")?,
            created_at: Timestamp::from_millis(get(&row, "created_at")?),
            expires_at: Timestamp::from_millis(get(&row, "expires_at")?),
        };
        let key = ApiKeyRecord {
            id: get_id(&row, "key_id")?,
            organization_id: session.organization_id,
            prefix: session.key_prefix.clone(),
            hash: get(&row, "hash")?,
            last4: get(&row, "last4")?,
            member_email: get(&row, "member_email")?,
            created_at: Timestamp::from_millis(get(&row, "key_created_at")?),
        };
        let role = get::<String>(&row, "role")?.parse().map_err(backend)?;
        Ok(Some((session, KeyOwner { key, role })))
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(done.rows_affected() > 0)
    }
}
