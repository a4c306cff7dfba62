-- +goose Up
-- The dashboard's invoice summary of a contact starts from the sites and
-- customers the contact can reach and reads only their unpaid invoices,
-- from the index alone, instead of checking the reach of every unpaid
-- invoice of the organisation (issue 15).
CREATE INDEX invoices_open_site ON invoices (site_id, org_id, due_date, total, amount_paid)
WHERE status IN ('unpaid', 'part_paid');
CREATE INDEX invoices_open_customer ON invoices (customer_id, org_id, due_date, total, amount_paid)
WHERE site_id IS NULL AND status IN ('unpaid', 'part_paid');
