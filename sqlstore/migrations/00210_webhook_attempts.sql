-- +goose Up
-- Each try at delivering a webhook event (issue 19): the console's
-- deliveries view shows every one, with the receiver's status, how long it
-- took, the first kilobyte of its answer and the error. An attempt belongs
-- to its outbox message, which is kept (sent or failed) for the log.
CREATE TABLE webhook_attempts (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    outbox_id     TEXT NOT NULL REFERENCES outbox(id),
    endpoint_id   TEXT NOT NULL,
    attempted_at  TIMESTAMPTZ NOT NULL,
    status_code   INTEGER NOT NULL DEFAULT 0,
    duration_ms   INTEGER NOT NULL DEFAULT 0,
    response      TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_outbox ON webhook_attempts (outbox_id, attempted_at);
-- "Has any delivery to this endpoint succeeded lately?" (the disabling rule).
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, attempted_at);
-- An endpoint's deliveries, newest first.
CREATE INDEX outbox_endpoint ON outbox (endpoint_id, id);
-- Why an endpoint was turned off by the worker ("" when an admin did it,
-- or while it is on).
ALTER TABLE webhook_endpoints ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE webhook_endpoints DROP COLUMN disabled_reason;
DROP INDEX IF EXISTS outbox_endpoint;
DROP TABLE IF EXISTS webhook_attempts;
