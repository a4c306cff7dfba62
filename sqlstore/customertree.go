package sqlstore

import (
	"context"
	"strings"
)

// The customer tree (migration 00092) holds a row for every customer and
// each of its ancestors, itself included, so that "the customer and every
// customer below it" (SPEC §2 rule 1, the reach in scope.go) is the
// customer's rows as ancestor. It is written in the transaction that makes
// or moves a customer, under a lock of the organisation's tree, so two
// moves at once cannot leave it (or the tree) inconsistent.

// customerTreeMigration is the version of the Go migration that fills the
// tree of existing customers.
const customerTreeMigration = 93

// customerTreeSQL fills the tree of the customers that cond keeps (alias
// c, with $1 its argument): a recursive walk down from each of them.
func customerTreeSQL(cond string) string {
	return `INSERT INTO customer_tree (ancestor_id, customer_id, org_id)
		WITH RECURSIVE down(ancestor_id, customer_id, org_id) AS (
			SELECT c.id, c.id, c.org_id FROM customers c WHERE ` + cond + `
			UNION ALL SELECT down.ancestor_id, c.id, c.org_id FROM down JOIN customers c ON c.parent_id = down.customer_id)
		SELECT ancestor_id, customer_id, org_id FROM down`
}

// rebuildCustomerTree rebuilds the tree of an organisation's customers
// (every organisation's when orgID is ""), for customers written around
// the store's methods: the migration, the generator's bulk load.
func rebuildCustomerTree(ctx context.Context, tx execer, orgID string) error {
	cond := "c.org_id = $1"
	if orgID == "" {
		cond = "CAST($1 AS TEXT) = ''"
	}
	del := `DELETE FROM customer_tree WHERE ` + strings.ReplaceAll(cond, "c.org_id", "org_id")
	if _, err := tx.ExecContext(ctx, del, orgID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, customerTreeSQL(cond), orgID)
	return err
}

// RebuildCustomerTree rebuilds the customer tree of an organisation from
// its customers' parents. The store's own writes keep it; this is for
// customers loaded in bulk around them (the generator).
func (d *DB) RebuildCustomerTree(ctx context.Context, orgID string) error {
	return d.inTx(ctx, func(tx *Tx) error { return rebuildCustomerTree(ctx, tx, orgID) })
}

// lockCustomerTree makes the transactions that change an organisation's
// tree wait for each other (SQLite's writer is alone anyway).
func (tx *Tx) lockCustomerTree(ctx context.Context, orgID string) error {
	if lock := tx.db.dialect.keyLock(); lock != "" {
		if _, err := tx.ExecContext(ctx, lock, "customer-tree:"+orgID); err != nil {
			return err
		}
	}
	return nil
}

// placeInTree adds a new customer to the tree: itself, and every ancestor
// of its parent (none without one).
func (tx *Tx) placeInTree(ctx context.Context, orgID, id, parentID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO customer_tree (ancestor_id, customer_id, org_id)
		SELECT CAST($1 AS TEXT), CAST($1 AS TEXT), CAST($2 AS TEXT)
		UNION ALL SELECT t.ancestor_id, CAST($1 AS TEXT), CAST($2 AS TEXT) FROM customer_tree t WHERE t.customer_id = $3`,
		id, orgID, parentID)
	return err
}

// moveInTree moves a customer, with every customer below it, from under
// its old ancestors to under its new parent (none: to the top).
func (tx *Tx) moveInTree(ctx context.Context, orgID, id, parentID string) error {
	// The links from the customer's old ancestors (not itself) to the
	// customers of its subtree go; the subtree's own links stay.
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_tree
		WHERE customer_id IN (SELECT s.customer_id FROM customer_tree s WHERE s.ancestor_id = $1)
		AND ancestor_id IN (SELECT a.ancestor_id FROM customer_tree a WHERE a.customer_id = $1 AND a.ancestor_id <> $1)`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO customer_tree (ancestor_id, customer_id, org_id)
		SELECT a.ancestor_id, s.customer_id, CAST($3 AS TEXT) FROM customer_tree a, customer_tree s
		WHERE a.customer_id = $2 AND s.ancestor_id = $1`, id, parentID, orgID)
	return err
}
