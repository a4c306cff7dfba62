-- +goose Up
-- The Documents page (issue 18 point 3): a contact of many sites walks
-- the organisation's files in the list's order (by name: documents_org;
-- newest first: documents_newest), or in the order of one kind of record
-- when it filters by what they are attached to (documents_kind_name), and
-- stops after a page; a contact of a few sites starts from its sites'
-- and customers' files (documents_site, documents_customer).
CREATE INDEX IF NOT EXISTS documents_kind_name ON documents (org_id, attached_to, name, id);
CREATE INDEX IF NOT EXISTS documents_newest ON documents (org_id, created_at, id);
