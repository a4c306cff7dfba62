-- +goose Up
-- Every customer with each of its ancestors and itself (a closure table,
-- issue 15): the reach of a contact (scope.go) is one index range of its
-- customer's rows here, instead of a recursive walk of the tree on every
-- query (1.8 ms for the 1,091 customers under a parent of 20,000 sites),
-- and PostgreSQL can estimate it. customers.go keeps it as customers are
-- made and moved; migration 00093, in Go, fills it.
CREATE TABLE customer_tree (
    ancestor_id TEXT NOT NULL REFERENCES customers(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (ancestor_id, customer_id)
);
CREATE INDEX customer_tree_customer ON customer_tree (customer_id, ancestor_id);
