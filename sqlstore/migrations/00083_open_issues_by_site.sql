-- +goose Up
-- The dashboard counts a contact's open issues: a small index of the open
-- issues only, read without the table (issue 15). CountIssues writes the
-- status out in its SQL so that both planners may use it.
CREATE INDEX issues_open_site ON issues (site_id, org_id)
WHERE status = 'open';
