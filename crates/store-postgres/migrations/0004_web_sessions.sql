-- Review-app sessions. Keep in step with crates/store-sqlite/migrations (ids COLLATE "C").

-- One row per signed-in browser. `token_hash` is the SHA-256 (hex) of the cookie's random
-- token, never the token; the session works only while the API key `key_prefix` does
-- (the lookup joins `api_keys`, so revoking the key ends its sessions at once). Expired
-- rows are deleted whenever a session is created.
CREATE TABLE web_sessions (
    token_hash      TEXT   NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key_prefix      TEXT   NOT NULL,
    csrf_token      TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
