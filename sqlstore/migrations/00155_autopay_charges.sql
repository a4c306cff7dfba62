-- +goose Up
-- Automatic payments (issue 17, point 4). anchor_day is the day of the
-- month a schedule's invoices fall on, kept while month ends clamp its
-- next due date (fieldportal.Frequency.NextDue); 0 means the day of
-- next_due_date.
ALTER TABLE recurring_invoices ADD COLUMN anchor_day INTEGER NOT NULL DEFAULT 0;
-- The worker looks for active schedules that have come due.
CREATE INDEX recurring_invoices_due ON recurring_invoices (active, next_due_date);
CREATE INDEX recurring_invoices_org_name ON recurring_invoices (org_id, name, id);

-- One off-session charge of a saved card for one raised invoice. It is
-- written in the transaction that raises the invoice, so a raised invoice
-- of an auto-paid schedule always has its charge to make; idempotency_key
-- (schedule and due date) is sent to the provider, so a charge retried
-- after a crash charges once. A worker claims a pending charge until
-- claimed_until; another instance takes it only after that.
CREATE TABLE autopay_charges (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    recurring_id     TEXT NOT NULL REFERENCES recurring_invoices(id),
    invoice_id       TEXT NOT NULL REFERENCES invoices(id),
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    due_date         DATE NOT NULL,
    amount           BIGINT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    claimed_by       TEXT,
    claimed_until    TIMESTAMPTZ,
    payment_id       TEXT REFERENCES payments(id),
    failure_reason   TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX autopay_charges_pending ON autopay_charges (status, claimed_until);
CREATE INDEX autopay_charges_recurring ON autopay_charges (recurring_id, due_date);
