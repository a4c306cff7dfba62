-- +goose Up
-- The visit report (issue 22): what the back office sends when a job is
-- completed (the technician's notes, the parts used, who signed on site
-- and when), one per job, and its photos. A photo keeps three files in
-- the file store under their content addresses: the original as sent,
-- and a display size and a thumbnail made once at upload.
CREATE TABLE visit_reports (
    job_id      TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    notes       TEXT NOT NULL DEFAULT '',
    parts       TEXT NOT NULL DEFAULT '[]',
    signed_by   TEXT NOT NULL DEFAULT '',
    signed_at   TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE visit_photos (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    job_id         TEXT NOT NULL REFERENCES visit_reports(job_id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    caption        TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    storage_key    TEXT NOT NULL,
    display_key    TEXT NOT NULL,
    display_size   BIGINT NOT NULL,
    thumb_key      TEXT NOT NULL,
    thumb_size     BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (job_id, position)
);
-- A report shows the tests recorded on its job's visit.
CREATE INDEX asset_tests_job ON asset_tests (job_id) WHERE job_id IS NOT NULL;
