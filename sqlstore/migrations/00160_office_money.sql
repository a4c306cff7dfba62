-- +goose Up
-- The office's side of money (issue 17, point 5). A refund gives back
-- part or all of a payment; key is the refund form's own id, unique, so a
-- form sent twice refunds once.
CREATE TABLE payment_refunds (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    payment_id  TEXT NOT NULL REFERENCES payments(id),
    amount      BIGINT NOT NULL CHECK (amount > 0),
    reason      TEXT NOT NULL,
    refund_ref  TEXT,
    refund_key  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX payment_refunds_key ON payment_refunds (org_id, refund_key);
CREATE INDEX payment_refunds_payment ON payment_refunds (payment_id, created_at);

-- A payment taken by hand carries the payer's reference (a cheque's
-- number, a transfer's reference): words for people, not unique.
ALTER TABLE payments ADD COLUMN reference TEXT NOT NULL DEFAULT '';

-- The console's invoice list is newest first (issue_date DESC, id DESC)
-- over the whole organisation (a million invoices at "large"): each of
-- its filters has an index in that order, so a page stops after its rows.
CREATE INDEX invoices_org_status ON invoices (org_id, status, issue_date, id);
CREATE INDEX invoices_contractor ON invoices (contractor_id, issue_date, id);
-- Overdue: unpaid or part paid, due before today.
CREATE INDEX invoices_open_org ON invoices (org_id, issue_date, id, due_date)
WHERE status IN ('unpaid', 'part_paid');
CREATE INDEX sites_uprn ON sites (org_id, uprn);

-- The console's payments list, newest first, by method, provider, status.
CREATE INDEX payments_method ON payments (org_id, method, created_at, id);
CREATE INDEX payments_provider ON payments (org_id, provider, created_at, id);
CREATE INDEX payments_status ON payments (org_id, status, created_at, id);
