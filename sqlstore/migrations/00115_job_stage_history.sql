-- +goose Up
-- Every change of a job's stage, by whom and when (issue 16): the job's
-- page shows its history, written by the store with each stage change,
-- whether from the console, the API or an upsert of the back office.
-- Jobs made before this table have no history row for their first stage.
CREATE TABLE job_stage_history (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    from_stage  TEXT NOT NULL DEFAULT '',
    to_stage    TEXT NOT NULL,
    changed_by  TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    changed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX job_stage_history_job ON job_stage_history (job_id, changed_at, id);

-- A job's page lists its appointments: without this index each read
-- walked the organisation's appointments.
CREATE INDEX IF NOT EXISTS appointments_job ON appointments (job_id, starts_at, id);

-- The console's queue of bookings: the pending jobs made in the portal,
-- newest first, without reading the organisation's other pending jobs.
CREATE INDEX jobs_portal_bookings ON jobs (org_id, id) WHERE created_in_portal = TRUE AND stage = 'pending';
