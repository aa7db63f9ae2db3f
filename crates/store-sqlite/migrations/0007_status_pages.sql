-- A page of calls in several statuses is merged from one walk of `calls_status` per
-- status (crates/store-common/calls_read.rs, `push_page_by_status`). With `use_case_id`
-- in the index, those walks check a use-case filter without reading the calls' rows.

DROP INDEX calls_status;
CREATE INDEX calls_status ON calls (organization_id, status, created_at, id, use_case_id);
