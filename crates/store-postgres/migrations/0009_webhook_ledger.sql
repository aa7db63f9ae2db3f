-- The webhook delivery ledger (`GET /webhooks/deliveries`): each event's number on its
-- call, every attempt, and replays. Kept in step with
-- crates/store-sqlite/migrations/0009_webhook_ledger.sql (ids COLLATE "C").

-- Each event of a call is numbered from 1 in the order the events happened; the deliveries
-- of one event to several hooks share its number. A version without the ledger, still
-- running during a rolling upgrade, writes 0.
ALTER TABLE webhook_outbox ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
-- A member asked for the delivery again: its next attempt is its only one.
ALTER TABLE webhook_outbox ADD COLUMN replay BOOLEAN NOT NULL DEFAULT FALSE;

-- A call's deliveries (its next number, its deletion, the ledger's call filter), and the
-- ledger of an organization, newest first.
CREATE INDEX webhook_outbox_call ON webhook_outbox (call_id, created_at, id);
CREATE INDEX webhook_outbox_org ON webhook_outbox (organization_id, created_at, id);

-- Deliveries are kept as long as their call: those of calls already deleted go, unless
-- they are still to be sent.
DELETE FROM webhook_outbox
WHERE (delivered_at IS NOT NULL OR gave_up_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM calls WHERE calls.id = webhook_outbox.call_id);

-- The events so far, numbered by their time.
UPDATE webhook_outbox SET sequence = (
    SELECT COUNT(DISTINCT earlier.created_at) FROM webhook_outbox AS earlier
    WHERE earlier.call_id = webhook_outbox.call_id
      AND earlier.created_at <= webhook_outbox.created_at
);

-- Every attempt from now on, written with its outcome (earlier ones are only in the calls'
-- logs). `attempt` counts from 1 per delivery, replays included.
CREATE TABLE webhook_attempts (
    delivery_id      TEXT COLLATE "C" NOT NULL REFERENCES webhook_outbox (id) ON DELETE CASCADE,
    attempt          INTEGER NOT NULL,
    at               BIGINT  NOT NULL,
    status           INTEGER,
    duration_ms      BIGINT  NOT NULL,
    response_excerpt TEXT,
    error            TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
