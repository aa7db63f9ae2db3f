-- The whole schema. Ids are 24 hex characters, times are Unix milliseconds, documents are
-- JSON text. Keep in step with crates/store-sqlite/migrations (same tables, same names); here
-- text compared for ordering (ids, tags) uses COLLATE "C" so that it sorts bytewise,
-- exactly like SQLite.

CREATE TABLE organizations (
    id               TEXT COLLATE "C"    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    description      TEXT,
    image_url        TEXT,
    attributes       TEXT    NOT NULL,
    default_agent_id TEXT COLLATE "C"    NOT NULL,
    created_at       BIGINT  NOT NULL
);
CREATE INDEX organizations_name ON organizations (name, created_at);

CREATE TABLE members (
    organization_id TEXT COLLATE "C"   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT   NOT NULL,
    role            TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    PRIMARY KEY (organization_id, email)
);

CREATE TABLE api_keys (
    id              TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C"   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    prefix          TEXT   NOT NULL UNIQUE,
    hash            TEXT   NOT NULL,
    last4           TEXT   NOT NULL,
    member_email    TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX api_keys_member ON api_keys (organization_id, member_email);

CREATE TABLE use_cases (
    id              TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C"   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    doc             TEXT   NOT NULL
);
CREATE INDEX use_cases_org ON use_cases (organization_id, created_at, id);

CREATE TABLE agents (
    id              TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C"   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    doc             TEXT   NOT NULL
);
CREATE INDEX agents_org ON agents (organization_id, created_at, id);

CREATE TABLE numbers (
    id              TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C"   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number          TEXT   NOT NULL UNIQUE,
    use_case_id     TEXT,
    created_at      BIGINT NOT NULL,
    doc             TEXT   NOT NULL
);
CREATE INDEX numbers_org ON numbers (organization_id, created_at, id);
CREATE INDEX numbers_use_case ON numbers (organization_id, use_case_id);

CREATE TABLE campaigns (
    id              TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C"   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    doc             TEXT   NOT NULL
);
CREATE INDEX campaigns_org ON campaigns (organization_id, created_at, id);

CREATE TABLE idempotency_keys (
    organization_id TEXT COLLATE "C"   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key             TEXT   NOT NULL,
    request_hash    TEXT   NOT NULL,
    status          BIGINT NOT NULL,
    body            TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (organization_id, key)
);

-- Every column but `doc` is derived from it (call_row.rs) for filtering and sorting.
CREATE TABLE calls (
    id                     TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    organization_id        TEXT COLLATE "C"   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at             BIGINT NOT NULL,
    call_type              TEXT   NOT NULL,
    status                 TEXT   NOT NULL,
    use_case_id            TEXT COLLATE "C"   NOT NULL,
    model                  TEXT   NOT NULL,
    campaign_id            TEXT,
    from_number            TEXT   NOT NULL,
    to_number              TEXT   NOT NULL,
    transfer_contact_email TEXT,
    parent_call_id         TEXT,
    scheduled_for          BIGINT,
    search_text            TEXT   NOT NULL,
    doc                    TEXT   NOT NULL
);
-- GET /calls sorts on (created_at, id) within one organization, optionally filtered.
CREATE INDEX calls_created ON calls (organization_id, created_at, id);
CREATE INDEX calls_status ON calls (organization_id, status, created_at, id);
CREATE INDEX calls_use_case ON calls (organization_id, use_case_id, created_at, id);
CREATE INDEX calls_campaign ON calls (organization_id, campaign_id, created_at, id);
CREATE INDEX calls_model ON calls (organization_id, model, created_at, id);
CREATE INDEX calls_type ON calls (organization_id, call_type, created_at, id);
CREATE INDEX calls_transfer_email ON calls (organization_id, transfer_contact_email);

CREATE TABLE call_tags (
    call_id         TEXT COLLATE "C" NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL,
    tag             TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (call_id, tag)
);
CREATE INDEX call_tags_org ON call_tags (organization_id, tag, call_id);

CREATE TABLE call_notes (
    id              TEXT COLLATE "C"    NOT NULL PRIMARY KEY,
    call_id         TEXT COLLATE "C"    NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C"    NOT NULL,
    seq             BIGINT  NOT NULL,
    user_id         TEXT    NOT NULL,
    content         TEXT    NOT NULL,
    flagged         BOOLEAN NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT
);
CREATE INDEX call_notes_call ON call_notes (call_id, seq);

CREATE TABLE call_ratings (
    call_id         TEXT COLLATE "C"   NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C"   NOT NULL,
    emoji           TEXT   NOT NULL,
    email           TEXT   NOT NULL,
    created         BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    PRIMARY KEY (call_id, email, emoji)
);
CREATE INDEX call_ratings_emoji ON call_ratings (call_id, emoji);

CREATE TABLE call_views (
    call_id         TEXT COLLATE "C"   NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C"   NOT NULL,
    email           TEXT   NOT NULL,
    viewed_at       BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    PRIMARY KEY (call_id, email)
);
