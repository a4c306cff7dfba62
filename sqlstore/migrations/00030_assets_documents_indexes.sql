-- +goose Up
-- Indexes for the orders the asset, document, certificate and catalogue
-- lists page by: assets by (type, number) across sites, and (updated_at,
-- id) for the API's sync of every resource that did not have one.
CREATE INDEX assets_type ON assets (org_id, asset_type, number, id);
CREATE INDEX documents_updated ON documents (org_id, updated_at, id);
CREATE INDEX certificates_updated ON certificates (org_id, updated_at, id);
CREATE INDEX scripts_updated ON scripts (org_id, updated_at, id);
CREATE INDEX items_updated ON items (org_id, updated_at, id);
CREATE INDEX contractors_updated ON contractors (org_id, updated_at, id);

-- +goose Down
DROP INDEX contractors_updated;
DROP INDEX items_updated;
DROP INDEX scripts_updated;
DROP INDEX certificates_updated;
DROP INDEX documents_updated;
DROP INDEX assets_type;
