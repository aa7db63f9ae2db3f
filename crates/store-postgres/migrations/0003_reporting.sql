-- Usage and exports. Keep in step with crates/store-sqlite/migrations (ids COLLATE "C").

-- Usage periods are days, weeks and months in the organization's time zone.
ALTER TABLE organizations ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

-- Derived from `doc` like the other call columns, so usage sums it in the database.
ALTER TABLE calls ADD COLUMN duration_secs DOUBLE PRECISION;
UPDATE calls SET duration_secs = (doc::json ->> 'duration')::double precision;

-- Covers both usage queries (by period and by use case) without reading the rows.
CREATE INDEX calls_usage ON calls (organization_id, created_at, use_case_id, duration_secs);

-- CSV exports of calls (POST /calls/export). The table is the export worker's queue: a
-- worker claims a due row (pending, or running under a lease that ran out), holds it under
-- `lease_owner`/`lease_until` while it builds and mails the CSV, then marks it done or
-- failed; finished rows (and their files) are deleted `--export-retention-hours` after
-- `finished_at`. `doc` holds the whole export (filters, e-mail, outcome); the other columns
-- are what the queue and the sweep query.
CREATE TABLE exports (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    status          TEXT   NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    finished_at     BIGINT,
    doc             TEXT   NOT NULL
);
CREATE INDEX exports_pending ON exports (created_at) WHERE status IN ('pending', 'running');
CREATE INDEX exports_org ON exports (organization_id, created_at);
CREATE INDEX exports_finished ON exports (finished_at) WHERE finished_at IS NOT NULL;
