-- +goose Up
-- The dashboard counts a contact's open service and install orders site by
-- site: a small index of the open jobs only, read without the table
-- (issue 15). CountJobs writes the same stage list out in its SQL so that
-- both planners may use it.
CREATE INDEX jobs_open_site ON jobs (site_id, kind, org_id)
WHERE stage IN ('pending', 'scheduled', 'in_progress');
