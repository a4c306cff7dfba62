-- +goose Up
-- A contact of a few sites reads its recurring invoices from its sites'
-- rows rather than walking every schedule of the organisation by name
-- (FindRecurringInvoices; issue 15).
CREATE INDEX recurring_invoices_site ON recurring_invoices (site_id, name, id);

-- +goose Down
DROP INDEX IF EXISTS recurring_invoices_site;
