-- +goose Up
-- Messages with the office (issue 22): one thread per record (a job,
-- quote, invoice, issue or site), carrying the record's customer, site
-- and portal module so that the thread is scoped as its record is, its
-- messages and their files (bytes in the file store), and each portal
-- login's read marker per thread for the navigation's unread count.
-- waiting_since is set while the customer wrote last: the office's queue
-- is its partial index, oldest first. office_mail_until and
-- customer_mail_until end the window in which a new message joins the
-- mail already scheduled to the other side instead of sending another.
CREATE TABLE message_threads (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organisations(id),
    record_kind          TEXT NOT NULL CHECK (record_kind IN ('job', 'quote', 'invoice', 'issue', 'site')),
    record_id            TEXT NOT NULL,
    module               TEXT NOT NULL,
    record_label         TEXT NOT NULL,
    customer_id          TEXT NOT NULL REFERENCES customers(id),
    site_id              TEXT REFERENCES sites(id),
    message_count        INTEGER NOT NULL DEFAULT 0,
    last_message_at      TIMESTAMPTZ NOT NULL,
    last_from            TEXT NOT NULL CHECK (last_from IN ('customer', 'office')),
    waiting_since        TIMESTAMPTZ,
    office_mail_until    TIMESTAMPTZ,
    customer_mail_until  TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX message_threads_record ON message_threads (org_id, record_kind, record_id);
CREATE INDEX message_threads_latest ON message_threads (org_id, last_message_at, id);
CREATE INDEX message_threads_customer ON message_threads (customer_id, last_message_at, id);
CREATE INDEX message_threads_site ON message_threads (site_id, last_message_at, id);
CREATE INDEX message_threads_waiting ON message_threads (org_id, waiting_since, id) WHERE waiting_since IS NOT NULL;

CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    thread_id    TEXT NOT NULL REFERENCES message_threads(id),
    body         TEXT NOT NULL,
    from_side    TEXT NOT NULL CHECK (from_side IN ('customer', 'office')),
    author_name  TEXT NOT NULL DEFAULT '',
    contact_id   TEXT,
    staff_id     TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_thread ON messages (thread_id, created_at, id);
CREATE INDEX messages_updated ON messages (org_id, updated_at, id);
CREATE INDEX messages_thread_staff ON messages (thread_id, staff_id) WHERE staff_id IS NOT NULL;

CREATE TABLE message_attachments (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    message_id    TEXT NOT NULL REFERENCES messages(id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    storage_key   TEXT NOT NULL
);
CREATE INDEX message_attachments_message ON message_attachments (message_id, id);

CREATE TABLE message_reads (
    login_id   TEXT NOT NULL REFERENCES portal_logins(id) ON DELETE CASCADE,
    thread_id  TEXT NOT NULL REFERENCES message_threads(id),
    read_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (login_id, thread_id)
);

-- +goose Down
DROP TABLE IF EXISTS message_reads;
DROP TABLE IF EXISTS message_attachments;
DROP TABLE IF EXISTS messages;
DROP TABLE IF EXISTS message_threads;
