-- +goose Up
-- The dashboard's counts kept per customer (issue 15): a contact who sees
-- every site of its customers (site access "all") adds up one row per
-- reachable customer instead of checking the reach of every open record
-- of, say, 20,000 sites. Each row counts the records at the customer's
-- own sites and its customer-only invoices, whatever its parent; the
-- writes that change a count recount their customer's row in the same
-- transaction (tallies.go). Migration 00091, in Go, fills both tables.
CREATE TABLE customer_tallies (
    customer_id        TEXT PRIMARY KEY REFERENCES customers(id),
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    sites              BIGINT NOT NULL DEFAULT 0,
    open_issues        BIGINT NOT NULL DEFAULT 0,
    open_service       BIGINT NOT NULL DEFAULT 0,
    open_install       BIGINT NOT NULL DEFAULT 0,
    outstanding_quotes BIGINT NOT NULL DEFAULT 0
);

-- Unpaid and part-paid invoices per customer and due date: what is
-- overdue depends on the day the page is read, so the balance is kept
-- by due date and split at read time. Rows with no invoice left are
-- deleted.
CREATE TABLE customer_open_invoices (
    customer_id TEXT NOT NULL REFERENCES customers(id),
    due_date    DATE NOT NULL,
    invoices    BIGINT NOT NULL,
    balance     BIGINT NOT NULL,
    PRIMARY KEY (customer_id, due_date)
);
