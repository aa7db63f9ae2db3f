-- Listing calls (`GET /calls`).

-- What `GET /calls` needs to reuse a count: `calls_version` changes whenever anything a
-- call filter looks at changes (a call inserted or deleted, a filtered column updated, a tag
-- or rating added or removed), whichever process made the change. The store keeps recent
-- counts in memory with the version they were taken at, and counts again only when it
-- moved. SQLite only: PostgreSQL counts every time (see docs/ARCHITECTURE.md).

ALTER TABLE organizations ADD COLUMN calls_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER calls_version_insert AFTER INSERT ON calls BEGIN
    UPDATE organizations SET calls_version = calls_version + 1 WHERE id = NEW.organization_id;
END;

CREATE TRIGGER calls_version_delete AFTER DELETE ON calls BEGIN
    UPDATE organizations SET calls_version = calls_version + 1 WHERE id = OLD.organization_id;
END;

CREATE TRIGGER calls_version_update AFTER UPDATE ON calls
WHEN OLD.status IS NOT NEW.status
  OR OLD.call_type IS NOT NEW.call_type
  OR OLD.model IS NOT NEW.model
  OR OLD.use_case_id IS NOT NEW.use_case_id
  OR OLD.campaign_id IS NOT NEW.campaign_id
  OR OLD.created_at IS NOT NEW.created_at
  OR OLD.search_text IS NOT NEW.search_text
  OR OLD.transfer_contact_email IS NOT NEW.transfer_contact_email
  OR OLD.organization_id IS NOT NEW.organization_id
BEGIN
    UPDATE organizations SET calls_version = calls_version + 1
    WHERE id IN (OLD.organization_id, NEW.organization_id);
END;

CREATE TRIGGER call_tags_version_insert AFTER INSERT ON call_tags BEGIN
    UPDATE organizations SET calls_version = calls_version + 1 WHERE id = NEW.organization_id;
END;

CREATE TRIGGER call_tags_version_delete AFTER DELETE ON call_tags BEGIN
    UPDATE organizations SET calls_version = calls_version + 1 WHERE id = OLD.organization_id;
END;

CREATE TRIGGER call_ratings_version_insert AFTER INSERT ON call_ratings BEGIN
    UPDATE organizations SET calls_version = calls_version + 1 WHERE id = NEW.organization_id;
END;

CREATE TRIGGER call_ratings_version_delete AFTER DELETE ON call_ratings BEGIN
    UPDATE organizations SET calls_version = calls_version + 1 WHERE id = OLD.organization_id;
END;

CREATE TRIGGER call_ratings_version_update AFTER UPDATE OF emoji, call_id ON call_ratings BEGIN
    UPDATE organizations SET calls_version = calls_version + 1
    WHERE id IN (OLD.organization_id, NEW.organization_id);
END;

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
