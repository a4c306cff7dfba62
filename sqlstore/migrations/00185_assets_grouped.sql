-- +goose Up
-- The portal's assets list (issue 18) is grouped by site and then by
-- type: a contact of many sites, and staff, walk the organisation's assets
-- in that order and stop after a page. An asset's open issues are read by
-- the asset (its page), which had no index.
CREATE INDEX IF NOT EXISTS assets_grouped ON assets (org_id, site_id, asset_type, number, id);
CREATE INDEX IF NOT EXISTS issues_asset ON issues (asset_id, id);

-- +goose Down
DROP INDEX issues_asset;
DROP INDEX assets_grouped;
