-- The sandbox's scenarios: what the simulated far end does for the numbers each matches.
-- One JSON document per scenario; the engine reads an organization's all at once, oldest
-- first. Kept in step with crates/store-postgres/migrations/0011_scenarios.sql.
CREATE TABLE scenarios (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    doc             TEXT   NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX scenarios_org ON scenarios (organization_id, created_at, id);
