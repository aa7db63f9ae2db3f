-- The call engine's tables. Keep in step with crates/store-sqlite/migrations (ids COLLATE "C").

-- A Queued call is not dialed before this time (outside working hours, AI backend down).
ALTER TABLE calls ADD COLUMN available_at BIGINT;
-- The engine's scans: due Scheduled calls, dialable Queued calls, across organizations.
CREATE INDEX calls_due_scheduled ON calls (scheduled_for) WHERE status = 'Scheduled';
CREATE INDEX calls_queued ON calls (created_at, id) WHERE status = 'Queued';

-- One row per call on the telephone network, held by one engine instance (a lease).
CREATE TABLE call_runs (
    call_id         TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL,
    next_at         BIGINT NOT NULL,
    lease_owner     TEXT   NOT NULL,
    lease_until     BIGINT NOT NULL,
    state           TEXT   NOT NULL
);
CREATE INDEX call_runs_next ON call_runs (next_at);
CREATE INDEX call_runs_lease ON call_runs (lease_until);
CREATE INDEX call_runs_org ON call_runs (organization_id);

CREATE TABLE call_transcripts (
    call_id         TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL,
    doc             TEXT NOT NULL
);

CREATE TABLE call_logs (
    call_id         TEXT COLLATE "C" NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL,
    seq             BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    level           TEXT   NOT NULL,
    event           TEXT   NOT NULL,
    message         TEXT   NOT NULL,
    data            TEXT   NOT NULL,
    PRIMARY KEY (call_id, seq)
);

-- The durable webhook outbox: a row is written in the same transaction as the change that
-- causes it, and stays until delivered or given up.
CREATE TABLE webhook_outbox (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C" NOT NULL,
    call_id         TEXT COLLATE "C" NOT NULL,
    event_type      TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    headers         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_until     BIGINT,
    delivered_at    BIGINT,
    gave_up_at      BIGINT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;

CREATE TABLE secrets (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
