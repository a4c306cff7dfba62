-- +goose Up
-- The dashboard's count of certificates expiring soon reads a 30-day
-- range of the organisation's expiry dates and checks each row's site
-- against the viewer's reach: without the site in the index, each of the
-- range's rows (822 at the large size) was also read from the table, most
-- of the dashboard's own SQL for a parent of 20,000 sites (issue 15).
-- With the site as the last column the range is read from the index
-- alone, and the index still serves the expiring list's order
-- (expires_on, id), so it replaces the old one under the same name.
DROP INDEX certificates_expiry;
CREATE INDEX certificates_expiry ON certificates (org_id, expires_on, id, site_id);

-- +goose Down
DROP INDEX IF EXISTS certificates_expiry;
CREATE INDEX certificates_expiry ON certificates (org_id, expires_on, id);
