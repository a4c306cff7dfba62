-- +goose Up
-- The search by invoice or job number, in the portal and the console
-- (issue 17): a whole number in any case, read through these indexes
-- (numberSearch). The portal's substring match read every invoice the
-- viewer reaches: 4.1 s for a big parent at the large size.
CREATE INDEX IF NOT EXISTS invoices_number_lower ON invoices (org_id, lower(number));
CREATE INDEX IF NOT EXISTS jobs_number_lower ON jobs (org_id, lower(number));
