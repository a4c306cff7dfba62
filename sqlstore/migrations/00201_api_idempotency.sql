-- +goose Up
-- The API's Idempotency-Key records (SPEC §6, issue 19): one per key of
-- an API key, holding the request's hash and, once it has run, its
-- response, replayed to a retry of the same request for 24 hours. The
-- first schema's table was never used and lacked the response's headers
-- and a way to tell a request still running: it is made again.
-- response_status is NULL while the request runs (a concurrent retry is
-- told so); the body is bytes, as the handler wrote them.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    api_key_id        TEXT NOT NULL REFERENCES api_keys(id),
    idem_key          TEXT NOT NULL,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    request_hash      TEXT NOT NULL,
    response_status   INTEGER,
    response_headers  TEXT NOT NULL DEFAULT '',
    response_body     BYTEA,
    created_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (api_key_id, idem_key)
);
-- The clean-up deletes by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
