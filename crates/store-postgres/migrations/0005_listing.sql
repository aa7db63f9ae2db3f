-- Listing calls (`GET /calls`). Kept in step with crates/store-sqlite/migrations/0005_listing.sql.
-- That one also adds the version that lets the SQLite store reuse counts; PostgreSQL counts
-- every time (an organization-wide version row would serialize concurrent writers).

-- A status filter is checked in the index instead of in the table, whose rows are large
-- (`doc`): the newest calls of a busy organization are often all Scheduled or Queued, and a
-- page of Completed calls would otherwise read thousands of rows to find 50 (50 times
-- slower, measured at 300,000 calls; bench/README.md).
DROP INDEX calls_created;
CREATE INDEX calls_created ON calls (organization_id, created_at, id, status, use_case_id);
DROP INDEX calls_use_case;
CREATE INDEX calls_use_case ON calls (organization_id, use_case_id, created_at, id, status);
DROP INDEX calls_campaign;
CREATE INDEX calls_campaign ON calls (organization_id, campaign_id, created_at, id, status);
