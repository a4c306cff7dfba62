-- +goose Up
-- The tallies of a customer and every customer below it (issue 15): a
-- contact who sees its whole customer (site access "all") reaches exactly
-- that subtree, so its dashboard reads one row here, not one per customer
-- of a tree of 1,091. Kept by adding to each ancestor what a write changed
-- in a customer's own tallies (subtree.go); migration 00098, in Go, fills
-- them. No foreign key to customers, as for customer_tree (00092): they
-- are written under the tree lock.
CREATE TABLE subtree_tallies (
    customer_id        TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    sites              BIGINT NOT NULL DEFAULT 0,
    open_issues        BIGINT NOT NULL DEFAULT 0,
    open_service       BIGINT NOT NULL DEFAULT 0,
    open_install       BIGINT NOT NULL DEFAULT 0,
    outstanding_quotes BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE subtree_open_invoices (
    customer_id TEXT NOT NULL,
    due_date    DATE NOT NULL,
    invoices    BIGINT NOT NULL,
    balance     BIGINT NOT NULL,
    PRIMARY KEY (customer_id, due_date)
);
