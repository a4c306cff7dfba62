-- +goose Up
-- The issues list sorts by last update (newest or oldest first) or by
-- priority, under a status filter or none (issues_updated serves the
-- unfiltered update order). A contact of many sites and staff walk these
-- in list order and stop after a page. Priority is ranked by the same
-- CASE expression as the store's query (issues.go, issuePriorityRank), so
-- both planners match it to the index.
CREATE INDEX issues_status_updated ON issues (org_id, status, updated_at, id);
CREATE INDEX issues_priority ON issues (org_id, (CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 ELSE 1 END), updated_at, id);
CREATE INDEX issues_status_priority ON issues (org_id, status, (CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 ELSE 1 END), updated_at, id);
