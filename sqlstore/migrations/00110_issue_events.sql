-- +goose Up
-- An issue's status history (issue 16): each close, reopen and turn into
-- a service order, with who did it and when. The report itself is the
-- issue's own row (created_at, reported_by), so it has no event; issues
-- closed before this table existed show their closed_at instead.
CREATE TABLE issue_events (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    issue_id       TEXT NOT NULL REFERENCES issues(id),
    kind           TEXT NOT NULL CHECK (kind IN ('closed', 'reopened', 'service_order')),
    job_id         TEXT REFERENCES jobs(id),
    actor_contact  TEXT REFERENCES contacts(id),
    actor_staff    TEXT REFERENCES staff_users(id),
    actor_name     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX issue_events_issue ON issue_events (issue_id, created_at, id);

-- The service order an issue was turned into, if any.
ALTER TABLE issues ADD COLUMN job_id TEXT REFERENCES jobs(id);
