package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
)

const customerColumns = `c.id, c.org_id, c.external_id, c.parent_id, c.name, c.address_line1, c.address_line2, c.city,
	c.region, c.postcode, c.country, c.phone, c.email, c.tax_number, c.created_at, c.updated_at, c.archived_at`

func scanCustomer(row interface{ Scan(...any) error }) (*fieldportal.Customer, error) {
	var c fieldportal.Customer
	a := &c.Billing
	err := row.Scan(&c.ID, &c.OrgID, str(&c.ExternalID), str(&c.ParentID), &c.Name, &a.Line1, &a.Line2, &a.City,
		&a.Region, &a.Postcode, &a.Country, &c.Phone, &c.Email, &c.TaxNumber, tm(&c.CreatedAt), tm(&c.UpdatedAt), tm(&c.ArchivedAt))
	return &c, err
}

// CreateCustomer adds a customer (operator side only).
func (d *DB) CreateCustomer(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Customer) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createCustomer(ctx, v, c) })
}

func (tx *Tx) createCustomer(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Customer) error {
	if c.ParentID != "" {
		if _, err := tx.findCustomer(ctx, v, c.ParentID); err != nil {
			return fieldportal.FieldErrorf("parent_id", "Parent customer not found.")
		}
	}
	c.ID, c.OrgID, c.CreatedAt, c.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	c.ArchivedAt = archivedAt(time.Time{}, c.Archive, tx.now)
	a := c.Billing
	_, err := tx.ExecContext(ctx, `INSERT INTO customers (id, org_id, external_id, parent_id, name, address_line1,
		address_line2, city, region, postcode, country, phone, email, tax_number, created_at, updated_at, archived_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16)`,
		c.ID, c.OrgID, nullStr(c.ExternalID), nullStr(c.ParentID), c.Name, a.Line1, a.Line2, a.City,
		a.Region, a.Postcode, a.Country, c.Phone, c.Email, c.TaxNumber, tx.now, nullTime(c.ArchivedAt))
	if err != nil {
		return sqlErr(err, "customer")
	}
	// The parent's ancestors are copied into the tree: none may move
	// meanwhile, nor may a rebuild of the tree (RecountTallies) run. The
	// lock comes after the row, as in updateCustomer: the row's foreign
	// key holds the parent (KEY SHARE), which a move of the parent that
	// changes its external id waits for before it takes the tree lock.
	if err := tx.lockCustomerTree(ctx, v.OrgID); err != nil {
		return err
	}
	if err := tx.placeInTree(ctx, c.OrgID, c.ID, c.ParentID); err != nil {
		return err
	}
	if err := tx.audit(ctx, v, "customer.created", "customer", c.ID, c.Name+underParent(c.ParentID)); err != nil {
		return err
	}
	if c.Archived() {
		return tx.audit(ctx, v, "customer.archived", "customer", c.ID, c.Name)
	}
	return nil
}

// underParent is an audit entry's note of where a new customer is placed.
func underParent(parentID string) string { return " (" + treePlace(parentID) + ")" }

// treePlace names a place in the tree for the audit log: under a parent
// (by id), or the top level.
func treePlace(parentID string) string {
	if parentID == "" {
		return "top level"
	}
	return "under " + parentID
}

// customerFieldsChanged reports whether an update changes any of the
// customer's fields besides its parent.
func customerFieldsChanged(old, c *fieldportal.Customer) bool {
	return old.ExternalID != c.ExternalID || old.Name != c.Name || old.Billing != c.Billing ||
		old.Phone != c.Phone || old.Email != c.Email || old.TaxNumber != c.TaxNumber
}

// UpdateCustomer saves a customer's fields (operator side only). A new
// parent may not be the customer itself or one of its descendants.
func (d *DB) UpdateCustomer(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Customer) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateCustomer(ctx, v, c) })
}

func (tx *Tx) updateCustomer(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Customer) error {
	// Edits of one customer wait for each other from here, so the
	// customer read next is the one this edit replaces: an edit racing a
	// move would otherwise write the old parent back behind the tree's
	// back (found by review).
	if _, err := tx.ExecContext(ctx, `SELECT id FROM customers WHERE id = $1 AND org_id = $2`+tx.db.dialect.forNoKeyUpdate(),
		c.ID, v.OrgID); err != nil {
		return err
	}
	old, err := tx.findCustomer(ctx, v, c.ID)
	if err != nil {
		return err
	}
	moved := c.ParentID != old.ParentID
	if c.ParentID != "" && moved {
		// The new parent is one of the viewer's organisation (as for a
		// new customer): a tree spanning two would join their reaches.
		if _, err := tx.findCustomer(ctx, v, c.ParentID); err != nil {
			return fieldportal.FieldErrorf("parent_id", "Parent customer not found.")
		}
	}
	c.OrgID, c.CreatedAt, c.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	c.ArchivedAt = archivedAt(old.ArchivedAt, c.Archive, tx.now)
	a := c.Billing
	// The row is written before the tree lock is taken: a change of its
	// external id locks it FOR UPDATE, which waits for the writers whose
	// records refer to it, and they wait for the tree lock (shared) at
	// their commit; taken the other way round, the two deadlocked.
	args := []any{c.ID, nullStr(c.ExternalID), nullStr(c.ParentID), c.Name, a.Line1, a.Line2, a.City, a.Region, a.Postcode,
		a.Country, c.Phone, c.Email, c.TaxNumber, tx.now, nullTime(c.ArchivedAt)}
	res, err := tx.ExecContext(ctx, `UPDATE customers SET external_id = $2, parent_id = $3, name = $4, address_line1 = $5,
		address_line2 = $6, city = $7, region = $8, postcode = $9, country = $10, phone = $11, email = $12,
		tax_number = $13, updated_at = $14, archived_at = $15 WHERE id = $1`+ifUnchanged(&args, c.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, c.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "customer")
	}
	// A move is its own entry; a save that changes nothing (a back
	// office's sync sending the customer again) makes none.
	if customerFieldsChanged(old, c) {
		if err := tx.audit(ctx, v, "customer.updated", "customer", c.ID, c.Name); err != nil {
			return err
		}
	}
	if action := archiveAction("customer", old.ArchivedAt, c.ArchivedAt); action != "" {
		tx.noteTally(c.ID) // its sites leave or rejoin the count of sites in use
		if err := tx.audit(ctx, v, action, "customer", c.ID, c.Name); err != nil {
			return err
		}
	}
	if !moved {
		return nil
	}
	// A move: the organisation's moves and the writers' subtree deltas
	// wait for each other, so the cycle check and the tree read a tree
	// nobody changes.
	if err := tx.lockCustomerTree(ctx, v.OrgID); err != nil {
		return err
	}
	if c.ParentID != "" {
		var cycle bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM customer_tree WHERE ancestor_id = $1 AND customer_id = $2)`,
			c.ID, c.ParentID).Scan(&cycle); err != nil {
			return err
		}
		if cycle {
			return fieldportal.FieldErrorf("parent_id", "A customer cannot be placed under itself or its own sub-customer.")
		}
	}
	// Its subtree's tallies leave its old ancestors for its new ones.
	oldAncestors, err := tx.ancestors(ctx, c.ID)
	if err != nil {
		return err
	}
	if err := tx.moveInTree(ctx, c.OrgID, c.ID, c.ParentID); err != nil {
		return err
	}
	newAncestors, err := tx.ancestors(ctx, c.ID)
	if err != nil {
		return err
	}
	without := func(list []string) []string {
		return slices.DeleteFunc(list, func(a string) bool { return a == c.ID })
	}
	if err := tx.moveSubtreeTallies(ctx, c.OrgID, c.ID, without(oldAncestors), without(newAncestors)); err != nil {
		return err
	}
	return tx.audit(ctx, v, "customer.moved", "customer", c.ID, c.Name+": "+treePlace(old.ParentID)+" -> "+treePlace(c.ParentID))
}

// FindCustomerByID returns a customer the viewer can reach.
func (d *DB) FindCustomerByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Customer, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findCustomer(ctx, v, id)
}

func (tx *Tx) findCustomer(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Customer, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeCustomer(v, "c")
	q.and("c.id = " + q.arg(id))
	c, err := scanCustomer(tx.QueryRowContext(ctx, q.sql(`SELECT `+customerColumns+` FROM customers c`, ""), q.args...))
	return c, sqlErr(err, "customer")
}

// FindCustomers lists the customers the viewer can reach, by name.
func (d *DB) FindCustomers(ctx context.Context, v fieldportal.Viewer, f fieldportal.CustomerFilter) ([]*fieldportal.Customer, string, error) {
	var q query
	q.scopeCustomer(v, "c")
	q.search(f.Search, "c.name", "c.email", "c.postcode")
	if f.ParentID != "" {
		q.and("c.parent_id = " + q.arg(f.ParentID))
	}
	if f.ExternalID != "" {
		q.and("c.external_id = " + q.arg(f.ExternalID))
	}
	if f.Archived != nil {
		q.and("c.archived_at IS " + map[bool]string{true: "NOT NULL", false: "NULL"}[*f.Archived])
	}
	order := "c.name, c.id"
	if !f.UpdatedSince.IsZero() {
		q.updatedSince("c.updated_at", f.UpdatedSince, f.Page.After)
		order = "c.updated_at, c.id"
		if err := q.keyset(f.After, false, "c.updated_at", "c.id"); err != nil {
			return nil, "", err
		}
	} else if err := q.keyset(f.After, false, "c.name", "c.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+customerColumns+` FROM customers c`, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanCustomer)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(c *fieldportal.Customer) string {
		if !f.UpdatedSince.IsZero() {
			return cursor(c.UpdatedAt, c.ID)
		}
		return cursor(c.Name, c.ID)
	})
	return list, next, nil
}

// scanText scans a row of one text column (for collect).
func scanText(r interface{ Scan(...any) error }) (string, error) {
	var s string
	return s, r.Scan(&s)
}

// collect scans every row with scan.
func collect[T any](rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
