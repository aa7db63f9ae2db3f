-- `calls_status` carries `use_case_id`, as on SQLite (where a page on several statuses
-- merges one walk of it per status: crates/store-common/calls_read.rs,
-- `push_page_by_status`). A status filter combined with a use-case filter is then checked
-- in the index, without reading the calls' rows.

DROP INDEX calls_status;
CREATE INDEX calls_status ON calls (organization_id, status, created_at, id, use_case_id);
