-- `search` (GET /calls and every other user of the call filter): a substring of
-- `calls.search_text`. A trigram index lets `search_text LIKE '%needle%'` read only the
-- calls that contain the needle's trigrams (the planner rechecks the LIKE on each), where
-- a rare needle used to read the whole organization. Needles of fewer than 3 characters
-- have no trigram; the planner keeps the walk of `calls_created` for them.
-- Kept in step with crates/store-sqlite/migrations/0015_search.sql (FTS5 trigram).
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: a role with CREATE on
-- the database may create it. A role that may not fails this migration at startup with
-- `permission denied to create extension "pg_trgm"` (HINT: Must have CREATE privilege on
-- current database to create this extension); grant that, or have a superuser run
-- `CREATE EXTENSION pg_trgm;` once (in any schema) and the migration finds it.
-- It goes in `public` when missing, not in the store's own schema: dropping that schema
-- (tests use one per run) would otherwise drop the extension under other schemas' indexes.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- The operator class lives wherever the extension was installed.
DO $$
DECLARE
    ext_schema TEXT;
BEGIN
    SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    EXECUTE format(
        'CREATE INDEX calls_search ON calls USING gin (search_text %I.gin_trgm_ops)',
        ext_schema
    );
END
$$;
