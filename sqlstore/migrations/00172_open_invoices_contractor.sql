-- +goose Up
-- The console's Overdue tab of one contractor (issue 17): that
-- contractor's open invoices, newest issued first, with the due date in
-- the index so that those not yet due are passed over without reading
-- their rows. invoices_open_org read the open invoices of every
-- contractor and fetched each row for its contractor (3.9 ms on SQLite
-- at the large size).
CREATE INDEX IF NOT EXISTS invoices_open_contractor ON invoices (contractor_id, issue_date, id, due_date)
WHERE status IN ('unpaid', 'part_paid');
