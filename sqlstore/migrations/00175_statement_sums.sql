-- +goose Up
-- The statement's sums (issue 17 point 2), kept so that a contact who sees
-- its whole customer reads its statement's opening and closing balances
-- and ageing from a few hundred rows instead of checking the reach of
-- every invoice and payment of, say, 20,000 sites (statement_sums.go).
-- Each table holds a customer's own sums (sub = 0: the invoices counted
-- for it, as the tallies count them: at its sites, or its own without a
-- site) and its subtree's (sub = 1: its own and every descendant's). A
-- payment's day is its day in the organisation's time zone
-- (statement_zones). Migration 00176, in Go, fills them.
--
-- statement_days: by day, the totals of the invoices issued that day
-- (void ones left out) and what succeeded payments paid that day settled
-- on them.
CREATE TABLE statement_days (
    sub         INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    day         DATE NOT NULL,
    raised      BIGINT NOT NULL,
    settled     BIGINT NOT NULL,
    PRIMARY KEY (sub, customer_id, day)
);

-- statement_dues: the same money by the invoice's due date and the day it
-- was raised (+) or settled (-), for the ageing of the recent due dates.
CREATE TABLE statement_dues (
    sub         INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    due_date    DATE NOT NULL,
    day         DATE NOT NULL,
    amount      BIGINT NOT NULL,
    PRIMARY KEY (sub, customer_id, due_date, day)
);

-- statement_early: what a payment settled on an invoice issued after the
-- day it was paid, which a statement starting in between leaves out of
-- its opening balance (statement.go). Rare: a few rows at most.
CREATE TABLE statement_early (
    sub         INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    day         DATE NOT NULL,
    issue_date  DATE NOT NULL,
    due_date    DATE NOT NULL,
    amount      BIGINT NOT NULL,
    PRIMARY KEY (sub, customer_id, day, issue_date, due_date)
);

-- The time zone the payments' days of an organisation's sums were taken
-- in; a statement asked in another zone is summed from the records.
CREATE TABLE statement_zones (
    org_id    TEXT PRIMARY KEY REFERENCES organisations(id),
    time_zone TEXT NOT NULL
);
