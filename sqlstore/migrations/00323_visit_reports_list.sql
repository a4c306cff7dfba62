-- +goose Up
-- The list of visit reports (issues 19 and 22): the API's sync walk goes
-- by (updated_at, job id) and its plain walk by job id, newest first,
-- both within the organisation, down these indexes in list order.
CREATE INDEX visit_reports_updated ON visit_reports (org_id, updated_at, job_id);
CREATE INDEX visit_reports_org ON visit_reports (org_id, job_id);

-- +goose Down
DROP INDEX IF EXISTS visit_reports_org;
DROP INDEX IF EXISTS visit_reports_updated;
