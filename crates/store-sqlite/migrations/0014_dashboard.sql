-- The dashboard (`/dashboard`, docs/WEB.md): calls rolled up per 15 minutes of creation
-- time, kept exact by triggers on every write of `calls` and `call_tags` (inserts, bulk
-- seeds, progress saves, deletes, organization resets), so that a month of a million-call
-- organization is read from a few thousand rows instead of a scan of its calls.
-- Kept in step with crates/store-postgres/migrations/0014_dashboard.sql.

-- Derived from `doc` like the other call columns (call_row.rs): the end reason, the costs in
-- millionths (sums stay exact), and the talk-time bin of an answered call that has ended
-- (core's `dashboard::talk_bin`; NULL otherwise).
ALTER TABLE calls ADD COLUMN end_reason TEXT;
ALTER TABLE calls ADD COLUMN telephony_micros BIGINT;
ALTER TABLE calls ADD COLUMN ai_micros BIGINT;
ALTER TABLE calls ADD COLUMN talk_bin BIGINT;
UPDATE calls SET
    end_reason = json_extract(doc, '$.end_reason'),
    telephony_micros = CAST(round(json_extract(doc, '$.costs.telephony') * 1000000) AS INTEGER),
    ai_micros = CAST(round(json_extract(doc, '$.costs.ai') * 1000000) AS INTEGER);
UPDATE calls SET talk_bin = CASE
    WHEN duration_secs < 300 THEN CAST(max(duration_secs, 0) / 10 AS INTEGER)
    WHEN duration_secs < 3600 THEN 30 + CAST((duration_secs - 300) / 60 AS INTEGER)
    ELSE 85 + CAST((duration_secs - 3600) / 600 AS INTEGER) END
WHERE duration_secs IS NOT NULL
  AND (status IN ('Completed', 'Transferred', 'AMD Terminated')
       OR (status = 'Failed' AND duration_secs > 0));

-- A percentile is found in the rollup's bins, then read exactly from the calls of its bin.
CREATE INDEX calls_talk ON calls (organization_id, talk_bin, created_at, use_case_id, duration_secs)
    WHERE talk_bin IS NOT NULL;

-- `bucket`: created_at rounded down to 15 minutes; `end_reason` '' and `talk_bin` -1 for none.
-- `duration_ms` sums the calls' `duration` (all calls, as GET /usage does), which lets usage
-- periods of whole buckets be read here too (store-common/usage.rs).
CREATE TABLE call_rollup (
    organization_id  TEXT   NOT NULL,
    bucket           BIGINT NOT NULL,
    use_case_id      TEXT   NOT NULL,
    status           TEXT   NOT NULL,
    end_reason       TEXT   NOT NULL,
    talk_bin         BIGINT NOT NULL,
    calls            BIGINT NOT NULL,
    telephony_micros BIGINT NOT NULL,
    ai_micros        BIGINT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    PRIMARY KEY (organization_id, bucket, use_case_id, status, end_reason, talk_bin)
) WITHOUT ROWID;

CREATE TABLE call_tag_rollup (
    organization_id TEXT   NOT NULL,
    bucket          BIGINT NOT NULL,
    use_case_id     TEXT   NOT NULL,
    tag             TEXT   NOT NULL,
    calls           BIGINT NOT NULL,
    PRIMARY KEY (organization_id, bucket, use_case_id, tag)
) WITHOUT ROWID;

INSERT INTO call_rollup
SELECT organization_id, created_at - created_at % 900000, use_case_id, status,
       COALESCE(end_reason, ''), COALESCE(talk_bin, -1), COUNT(*),
       COALESCE(SUM(telephony_micros), 0), COALESCE(SUM(ai_micros), 0),
       COALESCE(SUM(CAST(round(duration_secs * 1000) AS INTEGER)), 0)
FROM calls GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO call_tag_rollup
SELECT c.organization_id, c.created_at - c.created_at % 900000, c.use_case_id, t.tag, COUNT(*)
FROM call_tags t JOIN calls c ON c.id = t.call_id GROUP BY 1, 2, 3, 4;

CREATE TRIGGER call_rollup_insert AFTER INSERT ON calls BEGIN
    INSERT INTO call_rollup VALUES (
        NEW.organization_id, NEW.created_at - NEW.created_at % 900000, NEW.use_case_id,
        NEW.status, COALESCE(NEW.end_reason, ''), COALESCE(NEW.talk_bin, -1), 1,
        COALESCE(NEW.telephony_micros, 0), COALESCE(NEW.ai_micros, 0),
        COALESCE(CAST(round(NEW.duration_secs * 1000) AS INTEGER), 0))
    ON CONFLICT DO UPDATE SET calls = calls + 1,
        telephony_micros = telephony_micros + excluded.telephony_micros,
        ai_micros = ai_micros + excluded.ai_micros,
        duration_ms = duration_ms + excluded.duration_ms;
END;

CREATE TRIGGER call_rollup_delete AFTER DELETE ON calls BEGIN
    UPDATE call_rollup SET calls = calls - 1,
        telephony_micros = telephony_micros - COALESCE(OLD.telephony_micros, 0),
        ai_micros = ai_micros - COALESCE(OLD.ai_micros, 0),
        duration_ms = duration_ms - COALESCE(CAST(round(OLD.duration_secs * 1000) AS INTEGER), 0)
    WHERE organization_id = OLD.organization_id
      AND bucket = OLD.created_at - OLD.created_at % 900000 AND use_case_id = OLD.use_case_id
      AND status = OLD.status AND end_reason = COALESCE(OLD.end_reason, '')
      AND talk_bin = COALESCE(OLD.talk_bin, -1);
    DELETE FROM call_rollup
    WHERE organization_id = OLD.organization_id
      AND bucket = OLD.created_at - OLD.created_at % 900000 AND use_case_id = OLD.use_case_id
      AND status = OLD.status AND end_reason = COALESCE(OLD.end_reason, '')
      AND talk_bin = COALESCE(OLD.talk_bin, -1) AND calls = 0;
END;

CREATE TRIGGER call_rollup_update AFTER UPDATE ON calls
WHEN OLD.status IS NOT NEW.status
  OR OLD.end_reason IS NOT NEW.end_reason
  OR OLD.talk_bin IS NOT NEW.talk_bin
  OR OLD.telephony_micros IS NOT NEW.telephony_micros
  OR OLD.ai_micros IS NOT NEW.ai_micros
  OR OLD.duration_secs IS NOT NEW.duration_secs
  OR OLD.created_at IS NOT NEW.created_at
  OR OLD.use_case_id IS NOT NEW.use_case_id
  OR OLD.organization_id IS NOT NEW.organization_id
BEGIN
    UPDATE call_rollup SET calls = calls - 1,
        telephony_micros = telephony_micros - COALESCE(OLD.telephony_micros, 0),
        ai_micros = ai_micros - COALESCE(OLD.ai_micros, 0),
        duration_ms = duration_ms - COALESCE(CAST(round(OLD.duration_secs * 1000) AS INTEGER), 0)
    WHERE organization_id = OLD.organization_id
      AND bucket = OLD.created_at - OLD.created_at % 900000 AND use_case_id = OLD.use_case_id
      AND status = OLD.status AND end_reason = COALESCE(OLD.end_reason, '')
      AND talk_bin = COALESCE(OLD.talk_bin, -1);
    DELETE FROM call_rollup
    WHERE organization_id = OLD.organization_id
      AND bucket = OLD.created_at - OLD.created_at % 900000 AND use_case_id = OLD.use_case_id
      AND status = OLD.status AND end_reason = COALESCE(OLD.end_reason, '')
      AND talk_bin = COALESCE(OLD.talk_bin, -1) AND calls = 0;
    INSERT INTO call_rollup VALUES (
        NEW.organization_id, NEW.created_at - NEW.created_at % 900000, NEW.use_case_id,
        NEW.status, COALESCE(NEW.end_reason, ''), COALESCE(NEW.talk_bin, -1), 1,
        COALESCE(NEW.telephony_micros, 0), COALESCE(NEW.ai_micros, 0),
        COALESCE(CAST(round(NEW.duration_secs * 1000) AS INTEGER), 0))
    ON CONFLICT DO UPDATE SET calls = calls + 1,
        telephony_micros = telephony_micros + excluded.telephony_micros,
        ai_micros = ai_micros + excluded.ai_micros,
        duration_ms = duration_ms + excluded.duration_ms;
END;

-- Tags: a tag row's call is looked up for its bucket and use case. When a call is deleted
-- its tags are counted out before (the cascade deletes them after the call is gone, and
-- then finds no call to count out).
CREATE TRIGGER call_tag_rollup_insert AFTER INSERT ON call_tags BEGIN
    INSERT INTO call_tag_rollup (organization_id, bucket, use_case_id, tag, calls)
    SELECT c.organization_id, c.created_at - c.created_at % 900000, c.use_case_id, NEW.tag, 1
    FROM calls c WHERE c.id = NEW.call_id
    ON CONFLICT DO UPDATE SET calls = calls + 1;
END;

CREATE TRIGGER call_tag_rollup_delete AFTER DELETE ON call_tags BEGIN
    UPDATE call_tag_rollup SET calls = calls - 1
    WHERE organization_id = OLD.organization_id AND tag = OLD.tag
      AND (bucket, use_case_id) IN (SELECT created_at - created_at % 900000, use_case_id
                                    FROM calls WHERE id = OLD.call_id);
    DELETE FROM call_tag_rollup
    WHERE organization_id = OLD.organization_id AND tag = OLD.tag AND calls = 0
      AND (bucket, use_case_id) IN (SELECT created_at - created_at % 900000, use_case_id
                                    FROM calls WHERE id = OLD.call_id);
END;

CREATE TRIGGER call_tag_rollup_call_delete BEFORE DELETE ON calls BEGIN
    UPDATE call_tag_rollup SET calls = calls - 1
    WHERE organization_id = OLD.organization_id
      AND bucket = OLD.created_at - OLD.created_at % 900000 AND use_case_id = OLD.use_case_id
      AND tag IN (SELECT tag FROM call_tags WHERE call_id = OLD.id);
    DELETE FROM call_tag_rollup
    WHERE organization_id = OLD.organization_id
      AND bucket = OLD.created_at - OLD.created_at % 900000 AND use_case_id = OLD.use_case_id
      AND calls = 0;
END;

CREATE TRIGGER call_tag_rollup_call_move AFTER UPDATE ON calls
WHEN OLD.created_at - OLD.created_at % 900000 IS NOT NEW.created_at - NEW.created_at % 900000
  OR OLD.use_case_id IS NOT NEW.use_case_id
BEGIN
    UPDATE call_tag_rollup SET calls = calls - 1
    WHERE organization_id = OLD.organization_id
      AND bucket = OLD.created_at - OLD.created_at % 900000 AND use_case_id = OLD.use_case_id
      AND tag IN (SELECT tag FROM call_tags WHERE call_id = OLD.id);
    DELETE FROM call_tag_rollup
    WHERE organization_id = OLD.organization_id
      AND bucket = OLD.created_at - OLD.created_at % 900000 AND use_case_id = OLD.use_case_id
      AND calls = 0;
    INSERT INTO call_tag_rollup (organization_id, bucket, use_case_id, tag, calls)
    SELECT NEW.organization_id, NEW.created_at - NEW.created_at % 900000, NEW.use_case_id, tag, 1
    FROM call_tags WHERE call_id = NEW.id
    ON CONFLICT DO UPDATE SET calls = calls + 1;
END;
