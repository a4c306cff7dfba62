-- +goose Up
-- The orders lists newest first (issue 16): a tab of every stage of one
-- kind, and the console's list of every job, walk these in order and stop
-- at a page, instead of sorting all of an organisation's jobs of the kind
-- (jobs_org holds the stage before the id): 490 ms for a parent of
-- 20,000 sites and 1.1 s for the console at the large size on SQLite.
CREATE INDEX jobs_kind_newest ON jobs (org_id, kind, id);
CREATE INDEX jobs_newest ON jobs (org_id, id);
