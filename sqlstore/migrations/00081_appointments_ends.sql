-- +goose Up
-- The next appointments (the dashboard's diary) are those that end after
-- now: read them by their end, a few hundred rows, instead of walking
-- every past appointment in start order until one ends in the future
-- (issue 15).
CREATE INDEX appointments_ends ON appointments (org_id, ends_at);

