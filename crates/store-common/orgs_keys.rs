// Organizations, members and API keys.

use crate::ThisStore;
use crate::calls_read::{Columns, SqlxRow, id_of, int_of, text_of};
use crate::support::{
    Conn, DbRow, OrBackend, backend, found, from_json, get, get_id, lock_org, to_json, unique_or,
};
use switchyard_core::agent::Agent;
use switchyard_core::auth::{ApiKeyRecord, KeyListing, KeyOwner};
use switchyard_core::enums::Role;
use switchyard_core::org::{Member, Organization};
use switchyard_core::store::{StoreError, StoreResult};
use switchyard_core::id::{Entity, OrgId};
use switchyard_core::store::{HealthStore, OrgStore};
use switchyard_core::{Clock, SystemClock, Timestamp};
use crate::Backend;

const ORG_COLUMNS: &str =
    "id, name, description, image_url, attributes, default_agent_id, created_at, timezone";

fn org_from_row(row: &DbRow) -> StoreResult<Organization> {
    Ok(Organization {
        id: get_id(row, "id")?,
        name: get(row, "name")?,
        description: get(row, "description")?,
        image_url: get(row, "image_url")?,
        attributes: from_json(&get::<String>(row, "attributes")?)?,
        default_agent_id: get_id(row, "default_agent_id")?,
        created_at: Timestamp::from_millis(get(row, "created_at")?),
        timezone: get(row, "timezone")?,
    })
}

/// Adds the member (joining last) or changes its role.
async fn put_member(conn: &mut Conn, org: OrgId, member: &Member, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO members (organization_id, email, role, created_at, seq) \
         VALUES ($1, $2, $3, $4, \
           (SELECT COALESCE(MAX(seq), 0) + 1 FROM members WHERE organization_id = $1)) \
         ON CONFLICT (organization_id, email) DO UPDATE SET role = excluded.role",
    )
    .bind(org.to_string())
    .bind(&member.email)
    .bind(member.role.as_str())
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// `Conflict` when the organization has no Owner left (the caller's transaction then rolls back).
async fn ensure_an_owner(conn: &mut Conn, org: OrgId) -> StoreResult<()> {
    let owners: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE organization_id = $1 AND role = $2")
            .bind(org.to_string())
            .bind(Role::Owner.as_str())
            .fetch_one(&mut *conn)
            .await
            .db()?;
    if owners == 0 {
        return Err(StoreError::Conflict(
            "an organization needs at least one Owner: make another member Owner first".into(),
        ));
    }
    Ok(())
}

/// The organization's webhook signing secret is one of the server's named secrets.
fn webhook_secret_name(org: OrgId) -> String {
    format!("webhook-signing:{org}")
}

async fn insert_key(conn: &mut Conn, key: &ApiKeyRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_keys \
         (id, organization_id, prefix, hash, last4, member_email, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
    )
    .bind(key.id.to_string())
    .bind(key.organization_id.to_string())
    .bind(&key.prefix)
    .bind(&key.hash)
    .bind(&key.last4)
    .bind(&key.member_email)
    .bind(key.created_at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_or(e, "api_key"))?;
    Ok(())
}

/// The live key with `$1` as its prefix, with its member's role (see `key_owner_of`).
pub(crate) const FIND_KEY: &str = "SELECT k.id, k.organization_id, k.prefix, k.hash, k.last4, \
     k.member_email, k.created_at, m.role FROM api_keys k \
     JOIN members m ON m.organization_id = k.organization_id AND m.email = k.member_email \
     WHERE k.prefix = $1 AND k.revoked_at IS NULL";

/// A stored key, from a row with the `api_keys` columns.
fn api_key_of(row: &impl Columns) -> StoreResult<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: id_of(row, "id")?,
        organization_id: id_of(row, "organization_id")?,
        prefix: text_of(row, "prefix")?,
        hash: text_of(row, "hash")?,
        last4: text_of(row, "last4")?,
        member_email: text_of(row, "member_email")?,
        created_at: Timestamp::from_millis(int_of(row, "created_at")?),
    })
}

pub(crate) fn key_owner_of(row: &impl Columns) -> StoreResult<KeyOwner> {
    let key = api_key_of(row)?;
    let role = text_of(row, "role")?.parse().map_err(backend)?;
    Ok(KeyOwner { key, role })
}

#[async_trait::async_trait]
impl OrgStore for ThisStore {
    async fn create_organization(
        &self,
        org: &Organization,
        default_agent: &Agent,
        owner: &Member,
        key: &ApiKeyRecord,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(&format!(
            "INSERT INTO organizations ({ORG_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(org.id.to_string())
        .bind(&org.name)
        .bind(&org.description)
        .bind(&org.image_url)
        .bind(to_json(&org.attributes)?)
        .bind(org.default_agent_id.to_string())
        .bind(org.created_at.millis())
        .bind(&org.timezone)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "organization"))?;
        crate::agents::insert(&mut tx, default_agent).await?;
        put_member(&mut tx, org.id, owner, org.created_at).await?;
        insert_key(&mut tx, key).await?;
        ensure_an_owner(&mut tx, org.id).await?;
        tx.commit().await.db()
    }

    async fn get_organization(&self, org: OrgId) -> StoreResult<Organization> {
        let row = sqlx::query(&format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1"
        ))
        .bind(org.to_string())
        .fetch_optional(self.reader())
        .await
        .db()?;
        org_from_row(&row.ok_or(StoreError::NotFound(Entity::Organization))?)
    }

    /// The oldest organization of that name.
    async fn find_organization_by_name(
        &self,
        name: &str,
    ) -> StoreResult<Option<Organization>> {
        let row = sqlx::query(&format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE name = $1 ORDER BY created_at, id LIMIT 1"
        ))
        .bind(name)
        .fetch_optional(self.reader())
        .await
        .db()?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn set_organization_timezone(
        &self,
        org: OrgId,
        timezone: &str,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("UPDATE organizations SET timezone = $2 WHERE id = $1")
            .bind(org.to_string())
            .bind(timezone)
            .execute(&mut *tx)
            .await
            .db()?;
        found(done.rows_affected(), Entity::Organization)?;
        tx.commit().await.db()
    }

    async fn list_members(&self, org: OrgId) -> StoreResult<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT email, role FROM members WHERE organization_id = $1 ORDER BY seq, email",
        )
        .bind(org.to_string())
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.iter()
            .map(|row| {
                Ok(Member {
                    email: get(row, "email")?,
                    role: get::<String>(row, "role")?.parse().map_err(backend)?,
                })
            })
            .collect()
    }

    async fn upsert_member(&self, org: OrgId, member: &Member) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        lock_org(&mut tx, org).await?;
        put_member(&mut tx, org, member, SystemClock.now()).await?;
        ensure_an_owner(&mut tx, org).await?;
        tx.commit().await.db()
    }

    async fn remove_member(&self, org: OrgId, email: &str) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        lock_org(&mut tx, org).await?;
        let done = sqlx::query("DELETE FROM members WHERE organization_id = $1 AND email = $2")
            .bind(org.to_string())
            .bind(email)
            .execute(&mut *tx)
            .await
            .db()?;
        found(done.rows_affected(), Entity::Member)?;
        ensure_an_owner(&mut tx, org).await?;
        // Revoked rather than only orphaned, so that adding the email again does not revive them.
        sqlx::query(
            "UPDATE api_keys SET revoked_at = $3 \
             WHERE organization_id = $1 AND member_email = $2 AND revoked_at IS NULL",
        )
        .bind(org.to_string())
        .bind(email)
        .bind(SystemClock.now().millis())
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn create_api_key(
        &self,
        key: &ApiKeyRecord,
        role: Role,
    ) -> StoreResult<()> {
        let org = key.organization_id;
        let mut tx = self.write_tx().await?;
        lock_org(&mut tx, org).await?;
        let member = Member {
            email: key.member_email.clone(),
            role,
        };
        put_member(&mut tx, org, &member, key.created_at).await?;
        insert_key(&mut tx, key).await?;
        ensure_an_owner(&mut tx, org).await?;
        tx.commit().await.db()
    }

    async fn find_api_key(&self, prefix: &str) -> StoreResult<Option<KeyOwner>> {
        self.read_api_key(prefix).await
    }

    async fn revoke_api_key(
        &self,
        prefix: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE prefix = $1 AND revoked_at IS NULL")
                .bind(prefix)
                .bind(now.millis())
                .execute(&mut *tx)
                .await
                .db()?;
        tx.commit().await.db()?;
        Ok(done.rows_affected() > 0)
    }

    async fn webhook_secret(
        &self,
        org: OrgId,
        generate: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String> {
        self.server_secret(&webhook_secret_name(org), generate).await
    }

    async fn list_api_keys(&self, org: OrgId) -> StoreResult<Vec<KeyListing>> {
        let rows = sqlx::query(
            "SELECT k.id, k.organization_id, k.prefix, k.hash, k.last4, k.member_email, \
             k.created_at, k.revoked_at, m.role FROM api_keys k \
             LEFT JOIN members m ON m.organization_id = k.organization_id AND m.email = k.member_email \
             WHERE k.organization_id = $1 ORDER BY k.created_at DESC, k.id DESC",
        )
        .bind(org.to_string())
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.iter()
            .map(|row| {
                let key = api_key_of(&SqlxRow(row))?;
                let role = get::<Option<String>>(row, "role")?
                    .map(|role| role.parse().map_err(backend))
                    .transpose()?;
                let revoked_at = get::<Option<i64>>(row, "revoked_at")?.map(Timestamp::from_millis);
                Ok(KeyListing { key, role, revoked_at })
            })
            .collect()
    }

    async fn revoke_org_api_key(
        &self,
        org: OrgId,
        prefix: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $3 \
             WHERE organization_id = $1 AND prefix = $2 AND revoked_at IS NULL",
        )
        .bind(org.to_string())
        .bind(prefix)
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(done.rows_affected() > 0)
    }

    async fn rotate_webhook_secret(&self, org: OrgId, secret: &str) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO secrets (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(webhook_secret_name(org))
        .bind(secret)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }
}
