-- `search` (GET /calls and every other user of the call filter): a substring of
-- `calls.search_text` (lowercased `from`, `to` and extraction values, call_row.rs). A LIKE
-- '%needle%' cannot use a B-tree, so a needle that few calls contain used to read the whole
-- organization (1.6-2.3 s at a million calls). This FTS5 index of the column's trigrams
-- finds the calls that contain all of a needle's trigrams, anywhere; the store still checks
-- the LIKE on those rows, so results are exactly the scan's (store-common/call_filters.rs).
-- Needles of fewer than 3 characters have no trigram and keep the scan.
-- Kept in step with crates/store-postgres/migrations/0015_search.sql (pg_trgm).

-- External content: the text stays in `calls` only; the index holds the trigrams, keyed by
-- the call's rowid. `calls` has no INTEGER PRIMARY KEY, so its rowids are only as stable
-- as SQLite keeps them: SQLite's documentation allows VACUUM to renumber them (it kept
-- them when tried, copying the B-tree as is), and a reload of a `.dump` does renumber
-- them. After either, rebuild the index:
-- `INSERT INTO calls_search (calls_search) VALUES ('rebuild');`.
-- detail='none' keeps no positions (58 MB at a million seeded calls): FTS5 then refuses
-- phrase queries, so the store asks for rows holding every trigram (an AND), and the LIKE
-- narrows those.
CREATE VIRTUAL TABLE calls_search USING fts5(
    search_text,
    content = 'calls',
    content_rowid = 'rowid',
    tokenize = 'trigram',
    detail = 'none'
);

-- Every write of `calls` (inserts, bulk seeds, progress saves, deletes, organization
-- resets) goes through these, so the index never lags its rows.
CREATE TRIGGER calls_search_insert AFTER INSERT ON calls BEGIN
    INSERT INTO calls_search (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;

CREATE TRIGGER calls_search_delete AFTER DELETE ON calls BEGIN
    INSERT INTO calls_search (calls_search, rowid, search_text)
    VALUES ('delete', OLD.rowid, OLD.search_text);
END;

CREATE TRIGGER calls_search_update AFTER UPDATE OF search_text ON calls
WHEN OLD.search_text IS NOT NEW.search_text BEGIN
    INSERT INTO calls_search (calls_search, rowid, search_text)
    VALUES ('delete', OLD.rowid, OLD.search_text);
    INSERT INTO calls_search (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;

-- The existing calls.
INSERT INTO calls_search (calls_search) VALUES ('rebuild');
