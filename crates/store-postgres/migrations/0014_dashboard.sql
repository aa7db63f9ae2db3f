-- The dashboard (`/dashboard`, docs/WEB.md): calls rolled up per 15 minutes of creation
-- time, kept exact by triggers on every write of `calls` and `call_tags`. Kept in step with
-- crates/store-sqlite/migrations/0014_dashboard.sql (ids COLLATE "C"). Concurrent writers
-- that change calls of the same 15 minutes, use case and status wait on the same rollup
-- row for the rest of their (short) transactions.

ALTER TABLE calls ADD COLUMN end_reason TEXT;
ALTER TABLE calls ADD COLUMN telephony_micros BIGINT;
ALTER TABLE calls ADD COLUMN ai_micros BIGINT;
ALTER TABLE calls ADD COLUMN talk_bin BIGINT;
UPDATE calls SET
    end_reason = doc::json ->> 'end_reason',
    telephony_micros = round((doc::json -> 'costs' ->> 'telephony')::double precision * 1000000)::bigint,
    ai_micros = round((doc::json -> 'costs' ->> 'ai')::double precision * 1000000)::bigint;
UPDATE calls SET talk_bin = CASE
    WHEN duration_secs < 300 THEN floor(greatest(duration_secs, 0) / 10)::bigint
    WHEN duration_secs < 3600 THEN 30 + floor((duration_secs - 300) / 60)::bigint
    ELSE 85 + floor((duration_secs - 3600) / 600)::bigint END
WHERE duration_secs IS NOT NULL
  AND (status IN ('Completed', 'Transferred', 'AMD Terminated')
       OR (status = 'Failed' AND duration_secs > 0));

CREATE INDEX calls_talk ON calls (organization_id, talk_bin, created_at, use_case_id, duration_secs)
    WHERE talk_bin IS NOT NULL;

CREATE TABLE call_rollup (
    organization_id  TEXT COLLATE "C" NOT NULL,
    bucket           BIGINT NOT NULL,
    use_case_id      TEXT COLLATE "C" NOT NULL,
    status           TEXT   NOT NULL,
    end_reason       TEXT   NOT NULL,
    talk_bin         BIGINT NOT NULL,
    calls            BIGINT NOT NULL,
    telephony_micros BIGINT NOT NULL,
    ai_micros        BIGINT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    PRIMARY KEY (organization_id, bucket, use_case_id, status, end_reason, talk_bin)
);

CREATE TABLE call_tag_rollup (
    organization_id TEXT COLLATE "C" NOT NULL,
    bucket          BIGINT NOT NULL,
    use_case_id     TEXT COLLATE "C" NOT NULL,
    tag             TEXT   NOT NULL,
    calls           BIGINT NOT NULL,
    PRIMARY KEY (organization_id, bucket, use_case_id, tag)
);

INSERT INTO call_rollup
SELECT organization_id, created_at - created_at % 900000, use_case_id, status,
       COALESCE(end_reason, ''), COALESCE(talk_bin, -1), COUNT(*),
       COALESCE(SUM(telephony_micros), 0), COALESCE(SUM(ai_micros), 0),
       COALESCE(SUM(round(duration_secs * 1000)::bigint), 0)
FROM calls GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO call_tag_rollup
SELECT c.organization_id, c.created_at - c.created_at % 900000, c.use_case_id, t.tag, COUNT(*)
FROM call_tags t JOIN calls c ON c.id = t.call_id GROUP BY 1, 2, 3, 4;

-- Adds `sign` (1 or -1) calls of one key; a row left at zero calls is removed.
CREATE FUNCTION call_rollup_add(c calls, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO call_rollup VALUES (
        c.organization_id, c.created_at - c.created_at % 900000, c.use_case_id, c.status,
        COALESCE(c.end_reason, ''), COALESCE(c.talk_bin, -1), sign,
        sign * COALESCE(c.telephony_micros, 0), sign * COALESCE(c.ai_micros, 0),
        sign * COALESCE(round(c.duration_secs * 1000)::bigint, 0))
    ON CONFLICT (organization_id, bucket, use_case_id, status, end_reason, talk_bin)
    DO UPDATE SET calls = call_rollup.calls + excluded.calls,
        telephony_micros = call_rollup.telephony_micros + excluded.telephony_micros,
        ai_micros = call_rollup.ai_micros + excluded.ai_micros,
        duration_ms = call_rollup.duration_ms + excluded.duration_ms;
    IF sign < 0 THEN
        DELETE FROM call_rollup
        WHERE organization_id = c.organization_id
          AND bucket = c.created_at - c.created_at % 900000 AND use_case_id = c.use_case_id
          AND status = c.status AND end_reason = COALESCE(c.end_reason, '')
          AND talk_bin = COALESCE(c.talk_bin, -1) AND calls = 0;
    END IF;
END $$;

-- Adds `sign` times the tags of call `c` (its bucket and use case).
CREATE FUNCTION call_tag_rollup_add(c calls, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO call_tag_rollup (organization_id, bucket, use_case_id, tag, calls)
    SELECT c.organization_id, c.created_at - c.created_at % 900000, c.use_case_id, t.tag, sign
    FROM call_tags t WHERE t.call_id = c.id
    ON CONFLICT (organization_id, bucket, use_case_id, tag)
    DO UPDATE SET calls = call_tag_rollup.calls + excluded.calls;
    IF sign < 0 THEN
        DELETE FROM call_tag_rollup
        WHERE organization_id = c.organization_id
          AND bucket = c.created_at - c.created_at % 900000 AND use_case_id = c.use_case_id
          AND calls = 0;
    END IF;
END $$;

CREATE FUNCTION call_rollup_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM call_rollup_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM call_rollup_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

-- Triggers named as SQLite's, one per event (tests/migrations.rs compares the names).
CREATE TRIGGER call_rollup_insert AFTER INSERT ON calls
FOR EACH ROW EXECUTE FUNCTION call_rollup_follow();

CREATE TRIGGER call_rollup_delete AFTER DELETE ON calls
FOR EACH ROW EXECUTE FUNCTION call_rollup_follow();

CREATE TRIGGER call_rollup_update AFTER UPDATE ON calls FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status
   OR OLD.end_reason IS DISTINCT FROM NEW.end_reason
   OR OLD.talk_bin IS DISTINCT FROM NEW.talk_bin
   OR OLD.telephony_micros IS DISTINCT FROM NEW.telephony_micros
   OR OLD.ai_micros IS DISTINCT FROM NEW.ai_micros
   OR OLD.duration_secs IS DISTINCT FROM NEW.duration_secs
   OR OLD.created_at IS DISTINCT FROM NEW.created_at
   OR OLD.use_case_id IS DISTINCT FROM NEW.use_case_id
   OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
EXECUTE FUNCTION call_rollup_follow();

-- Tags: a tag row's call is looked up for its bucket and use case. A deleted call's tags
-- are counted out before it goes (the cascade then deletes them and finds no call).
CREATE FUNCTION call_tag_rollup_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO call_tag_rollup (organization_id, bucket, use_case_id, tag, calls)
        SELECT c.organization_id, c.created_at - c.created_at % 900000, c.use_case_id, NEW.tag, 1
        FROM calls c WHERE c.id = NEW.call_id
        ON CONFLICT (organization_id, bucket, use_case_id, tag)
        DO UPDATE SET calls = call_tag_rollup.calls + 1;
    ELSE
        UPDATE call_tag_rollup r SET calls = r.calls - 1
        FROM calls c
        WHERE c.id = OLD.call_id AND r.organization_id = OLD.organization_id AND r.tag = OLD.tag
          AND r.bucket = c.created_at - c.created_at % 900000 AND r.use_case_id = c.use_case_id;
        DELETE FROM call_tag_rollup r USING calls c
        WHERE c.id = OLD.call_id AND r.organization_id = OLD.organization_id AND r.tag = OLD.tag
          AND r.bucket = c.created_at - c.created_at % 900000 AND r.use_case_id = c.use_case_id
          AND r.calls = 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER call_tag_rollup_insert AFTER INSERT ON call_tags
FOR EACH ROW EXECUTE FUNCTION call_tag_rollup_follow();

CREATE TRIGGER call_tag_rollup_delete AFTER DELETE ON call_tags
FOR EACH ROW EXECUTE FUNCTION call_tag_rollup_follow();

CREATE FUNCTION call_tag_rollup_call() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM call_tag_rollup_add(OLD, -1);
    IF TG_OP = 'UPDATE' THEN
        PERFORM call_tag_rollup_add(NEW, 1);
        RETURN NEW;
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER call_tag_rollup_call_delete BEFORE DELETE ON calls
FOR EACH ROW EXECUTE FUNCTION call_tag_rollup_call();

CREATE TRIGGER call_tag_rollup_call_move AFTER UPDATE ON calls FOR EACH ROW
WHEN (OLD.created_at - OLD.created_at % 900000 IS DISTINCT FROM NEW.created_at - NEW.created_at % 900000
   OR OLD.use_case_id IS DISTINCT FROM NEW.use_case_id)
EXECUTE FUNCTION call_tag_rollup_call();
