-- +goose Up
-- The console's customer tree (issue 20): the top-level customers by
-- name, and each customer's children by name, each a range of an index
-- read in the list's order, so a page stops after its rows however many
-- customers there are (the big parent has over 1,000 below it). The
-- children index also counts a row's children without reading a row.
CREATE INDEX IF NOT EXISTS customers_top ON customers (org_id, name, id) WHERE parent_id IS NULL;
CREATE INDEX IF NOT EXISTS customers_children ON customers (parent_id, name, id);

-- +goose Down
DROP INDEX IF EXISTS customers_children;
DROP INDEX IF EXISTS customers_top;
