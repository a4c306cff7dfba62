-- +goose Up
-- The database's file store (issue 18 point 3): a file's bytes in chunks
-- of at most a megabyte, so an upload is written and a download read a
-- chunk at a time, never whole in memory. file_blobs keeps the logos and
-- the files stored before; the store reads them there when a key has no
-- chunks.
CREATE TABLE blob_chunks (
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    storage_key  TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    data         BYTEA NOT NULL,
    PRIMARY KEY (org_id, storage_key, seq)
);
