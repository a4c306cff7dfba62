-- +goose Up
-- The API's lists of catalogue items and webhook endpoints (issue 19):
-- items filtered by their active flag, in code order and in the sync's
-- (updated_at, id) order (the portal's and console's pickers list the
-- active ones by code too); endpoints paged in the order they were made
-- and walked by updated_at.
CREATE INDEX items_active_code ON items (org_id, active, code, id);
CREATE INDEX items_active_updated ON items (org_id, active, updated_at, id);
CREATE INDEX webhook_endpoints_created ON webhook_endpoints (org_id, created_at, id);
CREATE INDEX webhook_endpoints_updated ON webhook_endpoints (org_id, updated_at, id);

-- +goose Down
DROP INDEX webhook_endpoints_updated;
DROP INDEX webhook_endpoints_created;
DROP INDEX items_active_updated;
DROP INDEX items_active_code;
