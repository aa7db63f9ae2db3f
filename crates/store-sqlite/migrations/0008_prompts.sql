-- Prompts (an extension). Keyed by organization first: a client may choose a prompt's id,
-- and two organizations may choose the same one. Kept in step with
-- crates/store-postgres/migrations/0008_prompts.sql.
CREATE TABLE prompts (
    organization_id TEXT   NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    doc             TEXT   NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX prompts_org ON prompts (organization_id, created_at, id);
