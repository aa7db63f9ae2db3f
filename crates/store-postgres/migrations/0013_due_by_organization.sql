-- A sandbox advance asks, at every instant it stops at, when the organization's next
-- scheduled call and next deferred queued call are due (EngineStore::next_due_at): with
-- these, each is one index seek instead of a walk over the organization's waiting calls.
-- Kept in step with crates/store-sqlite/migrations/0013_due_by_organization.sql.
CREATE INDEX calls_org_due_scheduled ON calls (organization_id, scheduled_for)
    WHERE status = 'Scheduled';
CREATE INDEX calls_org_deferred ON calls (organization_id, available_at)
    WHERE status = 'Queued';
-- And an organization's deliveries still to be sent: without it the organization's
-- ledger index led every such question through all of its deliveries, bodies included.
CREATE INDEX webhook_outbox_org_pending ON webhook_outbox (organization_id, next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;
