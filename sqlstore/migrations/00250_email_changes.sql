-- +goose Up
-- A contact's change of its own email address (issue 20): nothing changes
-- until the link mailed to the new address is followed. Only the token's
-- hash is kept; at most one live request per login (a new request voids
-- the old one, and two racing requests cannot leave two live links).
CREATE TABLE email_changes (
    token_hash  TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    login_id    TEXT NOT NULL REFERENCES portal_logins(id) ON DELETE CASCADE,
    contact_id  TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    new_email   TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX email_changes_live ON email_changes (login_id) WHERE used_at IS NULL;
-- The periodic clean-up (DeleteExpired).
CREATE INDEX email_changes_expires ON email_changes (expires_at);

-- +goose Down
DROP TABLE IF EXISTS email_changes;
