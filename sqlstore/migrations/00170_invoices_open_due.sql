-- +goose Up
-- The Unpaid tab sorted by due date (issue 17): the organisation's open
-- invoices in due-date order, so that a big parent's first page stops
-- after a few hundred of them. Walking invoices_org_due instead read
-- every paid invoice due before the first open one (nearly all of the
-- older ones): 360 ms on SQLite at the large size. The list writes the
-- tab's statuses as this condition, literally, so that both engines see
-- the index apply (invoiceFilter).
CREATE INDEX IF NOT EXISTS invoices_open_org_due ON invoices (org_id, due_date, id)
WHERE status IN ('unpaid', 'part_paid');
