-- +goose Up
-- The invoice list sorted by due date (issue 17): the organisation's and
-- a site's invoices are walked in that order and the walk stops at a
-- page, as (org_id, issue_date, id) and (site_id, issue_date, id) do for
-- the default order, newest issued first.
CREATE INDEX invoices_org_due ON invoices (org_id, due_date, id);
CREATE INDEX invoices_site_due ON invoices (site_id, due_date, id);
