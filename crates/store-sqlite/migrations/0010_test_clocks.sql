-- The sandbox's test clocks: an organization with a row here lives at frozen_at, moved
-- only by the sandbox's advance; the engine's pass over every organization on real time
-- leaves it out. Kept in step with crates/store-postgres/migrations/0010_test_clocks.sql.
CREATE TABLE test_clocks (
    organization_id TEXT NOT NULL PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    frozen_at       BIGINT NOT NULL
);
