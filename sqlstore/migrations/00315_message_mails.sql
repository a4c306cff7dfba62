-- +goose Up
-- The mails telling a contact of the office's new messages, while they
-- wait for their batch's window to end (issue 22): when one is due, the
-- outbox's claim (sqlstore/outbox.go, dropReadMessageMails) drops it if
-- the contact has read every message of the window meanwhile (its
-- logins' read markers) or has turned the mail off, and forgets the row
-- otherwise; so the table holds only mails not yet due.
CREATE TABLE message_mails (
    outbox_id   TEXT PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    thread_id   TEXT NOT NULL REFERENCES message_threads(id),
    contact_id  TEXT NOT NULL REFERENCES contacts(id),
    since       TIMESTAMPTZ NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX message_mails_due ON message_mails (due_at);

-- +goose Down
DROP TABLE IF EXISTS message_mails;
