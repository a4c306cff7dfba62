-- +goose Up
-- Issue 18's certificates and tasks lists. The certificates expiring soon
-- (the dashboard's count and its list) are read by their expiry date:
-- the organisation's for a contact of many sites or staff, a site's for
-- a contact of few; the count reads a 30-day range of it and stops at a
-- cap. A band of due tasks is read by due date the same two ways.
CREATE INDEX certificates_expiry ON certificates (org_id, expires_on, id);
CREATE INDEX certificates_site_expiry ON certificates (site_id, expires_on, id);
CREATE INDEX tasks_org_due ON tasks (org_id, due_date, id);
CREATE INDEX tasks_org_id ON tasks (org_id, id);

-- A login's personal calendar feed (/calendar/{token}.ics): only the
-- token's hash is kept, one per login, so making a new one replaces the
-- row and the old address stops answering. The feed is found by the
-- hash alone (a unique index: one probe, whatever the token).
CREATE TABLE calendar_feeds (
    login_id    TEXT PRIMARY KEY REFERENCES portal_logins(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token_hash);
