-- +goose Up
-- The sweep of file bytes no record names any more (sqlstore/blobsweep.go).
-- A key is a candidate from the time a record naming it was deleted or its
-- bytes were last written (an upload marks its key before it writes, so
-- bytes whose row never came, a failed upload, are candidates too); the
-- sweep takes a candidate only once that time is a grace period old, and
-- deletes its bytes only if, checked again while it holds the candidate's
-- row, no document, message attachment or visit photo of the organisation
-- names the key.
CREATE TABLE blob_sweep (
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    storage_key  TEXT NOT NULL,
    since        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, storage_key)
);
CREATE INDEX blob_sweep_since ON blob_sweep (since);

-- The sweep's check of a key, one look-up per column that names bytes.
CREATE INDEX documents_storage_key ON documents (storage_key);
CREATE INDEX message_attachments_storage_key ON message_attachments (storage_key);
CREATE INDEX visit_photos_storage_key ON visit_photos (storage_key);
CREATE INDEX visit_photos_display_key ON visit_photos (display_key);
CREATE INDEX visit_photos_thumb_key ON visit_photos (thumb_key);

-- Bytes kept in the database before the sweep existed are candidates
-- from now: those of deleted records (and failed uploads) go after the
-- grace period, the rest stay as named. The logos and staff photos in
-- file_blobs are named by settings, not by these tables, and are left
-- out (the sweep never deletes their keys either). Files on disk or in
-- S3 cannot be listed from here: bytes orphaned there before this
-- release stay.
INSERT INTO blob_sweep (org_id, storage_key, since)
SELECT DISTINCT org_id, storage_key, CURRENT_TIMESTAMP FROM blob_chunks;
INSERT INTO blob_sweep (org_id, storage_key, since)
SELECT org_id, storage_key, CURRENT_TIMESTAMP FROM file_blobs
WHERE storage_key NOT LIKE 'branding/%' AND storage_key NOT LIKE 'staff/%'
ON CONFLICT (org_id, storage_key) DO NOTHING;

-- +goose Down
DROP TABLE IF EXISTS blob_sweep;
DROP INDEX IF EXISTS documents_storage_key;
DROP INDEX IF EXISTS message_attachments_storage_key;
DROP INDEX IF EXISTS visit_photos_storage_key;
DROP INDEX IF EXISTS visit_photos_display_key;
DROP INDEX IF EXISTS visit_photos_thumb_key;
