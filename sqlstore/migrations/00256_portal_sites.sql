-- +goose Up
-- Sites made and edited in the portal (issue 20): a site a contact
-- creates or changes waits in the console's queue until staff mark it
-- reviewed (portal_pending_at, NULL once reviewed or when staff made
-- it); the queue reads it, newest first, from a partial index of the
-- waiting ones alone.
ALTER TABLE sites ADD COLUMN portal_pending_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS sites_portal_pending ON sites (org_id, portal_pending_at, id) WHERE portal_pending_at IS NOT NULL;

-- A site's contacts: people of the site's customer to call about it.
-- Read by site; the contact index serves a contact's removal.
CREATE TABLE site_contacts (
    site_id    TEXT NOT NULL REFERENCES sites(id),
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (site_id, contact_id)
);
CREATE INDEX site_contacts_contact ON site_contacts (contact_id);

-- +goose Down
DROP TABLE IF EXISTS site_contacts;
DROP INDEX IF EXISTS sites_portal_pending;
ALTER TABLE sites DROP COLUMN portal_pending_at;
