-- +goose Up
-- The invoices tied only to a customer (no site), for a contact's list:
-- a contact of a few sites reads its invoices as two branches, its sites'
-- and its customers' invoices without a site. SQLite answered the second
-- with invoices_site (site_id IS NULL as an equality), reading every
-- site-less invoice of the organisation (8,562 at the large size) to keep
-- those of the contact's customers: 40-80 ms of a one-site contact's
-- invoice list, against 0.5 ms from this index (issue 15).
CREATE INDEX invoices_customer_only ON invoices (customer_id, issue_date, id) WHERE site_id IS NULL;

-- +goose Down
DROP INDEX IF EXISTS invoices_customer_only;
