-- +goose Up
-- The API's sync walk of recurring invoices (issue 19): updated_since
-- lists them by (updated_at, id) within the organisation, as invoices and
-- payments are read (invoices_updated, payments_updated).
CREATE INDEX IF NOT EXISTS recurring_invoices_updated ON recurring_invoices (org_id, updated_at, id);

-- +goose Down
DROP INDEX IF EXISTS recurring_invoices_updated;
