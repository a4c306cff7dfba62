-- +goose Up
-- The statement's entries read in its order (issue 17 point 2): for a
-- contact of many sites, a page walks the organisation's invoices and
-- succeeded payments of the range in order and checks each one's reach,
-- stopping after the page, instead of sorting every one it reaches (a
-- parent of 20,000 sites has some 40,000 entries in three months).
CREATE INDEX IF NOT EXISTS invoices_statement ON invoices (org_id, issue_date, number, id);
CREATE INDEX IF NOT EXISTS payments_paid ON payments (org_id, paid_at, id) WHERE status = 'succeeded';
