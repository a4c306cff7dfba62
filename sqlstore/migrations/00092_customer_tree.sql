-- +goose Up
-- Every customer with each of its ancestors and itself (a closure table,
-- issue 15): the reach of a contact (scope.go) is one index range of its
-- customer's rows here, instead of a recursive walk of the tree on every
-- query (1.8 ms for the 1,091 customers under a parent of 20,000 sites),
-- and PostgreSQL can estimate it. customers.go keeps it as customers are
-- made and moved; migration 00093, in Go, fills it. Its customer columns
-- have no foreign key: the rows are derived (and rebuilt by `fieldportal
-- recount`), customers are never deleted, and a key would make the
-- writes under the tree lock wait for a customer row locked by a move
-- that waits for the tree lock (a deadlock found by review).
CREATE TABLE customer_tree (
    ancestor_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (ancestor_id, customer_id)
);
CREATE INDEX customer_tree_customer ON customer_tree (customer_id, ancestor_id);
