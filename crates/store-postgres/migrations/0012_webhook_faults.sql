-- The sandbox's webhook faults: what an organization with a row here asks to be done to
-- its deliveries (docs/TESTING.md). Kept in step with
-- crates/store-sqlite/migrations/0012_webhook_faults.sql (ids COLLATE "C").
CREATE TABLE webhook_faults (
    organization_id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    duplicate       DOUBLE PRECISION NOT NULL,
    delay_ms        BIGINT NOT NULL,
    reorder         BOOLEAN NOT NULL
);

-- A delivery the `duplicate` fault sends once more after it is delivered.
ALTER TABLE webhook_outbox ADD COLUMN duplicate BOOLEAN NOT NULL DEFAULT FALSE;
