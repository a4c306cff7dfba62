-- +goose Up
-- The next appointments are those running now, read by their end with
-- the start in the index so that only the running ones are read from the
-- table, and then those starting later, read in start order until a page
-- is found (diary.go). appointments_ends, the first two columns of this
-- one, walked every future appointment of the organisation and checked
-- each one's site (issue 15).
CREATE INDEX appointments_running ON appointments (org_id, ends_at, starts_at);
DROP INDEX appointments_ends;
