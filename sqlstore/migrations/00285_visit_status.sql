-- +goose Up
-- Visit status (issue 22, point 1): an appointment moves scheduled ->
-- on_the_way (with an expected arrival) -> on_site -> done, or cancelled;
-- it may name the staff user who is its technician (whose display name
-- and photo the portal shows), and remembers when the "on the way" mail
-- went out, so a visit mails its job contacts at most once.
ALTER TABLE appointments ADD COLUMN status TEXT NOT NULL DEFAULT 'scheduled'
    CHECK (status IN ('scheduled', 'on_the_way', 'on_site', 'done', 'cancelled'));
ALTER TABLE appointments ADD COLUMN eta TIMESTAMPTZ;
ALTER TABLE appointments ADD COLUMN technician_staff_id TEXT REFERENCES staff_users(id);
ALTER TABLE appointments ADD COLUMN on_the_way_mailed_at TIMESTAMPTZ;
CREATE INDEX appointments_staff ON appointments (technician_staff_id) WHERE technician_staff_id IS NOT NULL;

-- A staff user's face for the customers: a display name ("Sam") and a
-- profile photo stored as a blob named by its SHA-256, as the logo is.
ALTER TABLE staff_users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_users ADD COLUMN photo TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_users ADD COLUMN photo_type TEXT NOT NULL DEFAULT '';

-- Feedback (issue 22, point 3): one rating per done visit, by a job
-- contact who can see the job. The technician and site are copied from
-- the visit so the console's averages group without joins, and the
-- rating outlives the deletion of its visit or of the contact.
CREATE TABLE visit_feedback (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organisations(id),
    appointment_id       TEXT REFERENCES appointments(id) ON DELETE SET NULL,
    job_id               TEXT NOT NULL REFERENCES jobs(id),
    customer_id          TEXT NOT NULL REFERENCES customers(id),
    site_id              TEXT NOT NULL REFERENCES sites(id),
    contact_id           TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    technician           TEXT NOT NULL DEFAULT '',
    technician_staff_id  TEXT REFERENCES staff_users(id),
    rating               INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment              TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX visit_feedback_visit ON visit_feedback (appointment_id);
CREATE INDEX visit_feedback_org ON visit_feedback (org_id, created_at, id);
CREATE INDEX visit_feedback_job ON visit_feedback (job_id);
CREATE INDEX visit_feedback_technician ON visit_feedback (org_id, technician, created_at, id);
CREATE INDEX visit_feedback_site ON visit_feedback (site_id, created_at, id);
