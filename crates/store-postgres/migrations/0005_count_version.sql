-- Kept in step with crates/store-sqlite/migrations/0005_count_version.sql, which adds the
-- version that lets the SQLite store reuse `GET /calls` counts. PostgreSQL counts every
-- time (an organization-wide version row would serialize concurrent writers), so there is
-- nothing to change here.
SELECT 1;
