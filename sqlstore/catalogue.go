package sqlstore

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The catalogue: scripts (canned descriptions), items (priced goods a
// customer may add to a request) and contractors (whose names contacts
// filter by). They are organisation-wide reference data: every signed-in
// viewer of the organisation reads them (scopeOrg); only the operator
// writes them.

// pageOrder applies a list's keyset: by (updated_at, id) when syncing,
// else by (col, id); it returns the ORDER BY and whether it syncs.
func (q *query) pageOrder(p fieldportal.Page, updatedSince time.Time, alias, col string) (string, bool, error) {
	if !updatedSince.IsZero() {
		q.updatedSince(alias+".updated_at", updatedSince, p.After)
		return alias + ".updated_at, " + alias + ".id", true, q.keyset(p.After, false, alias+".updated_at", alias+".id")
	}
	return alias + "." + col + ", " + alias + ".id", false, q.keyset(p.After, false, alias+"."+col, alias+".id")
}

// ---- scripts

const scriptColumns = `x.id, x.org_id, x.external_id, x.title, x.body, x.created_at, x.updated_at`

func scanScript(row interface{ Scan(...any) error }) (*fieldportal.Script, error) {
	var s fieldportal.Script
	return &s, row.Scan(&s.ID, &s.OrgID, str(&s.ExternalID), &s.Title, &s.Body, tm(&s.CreatedAt), tm(&s.UpdatedAt))
}

// CreateScript adds a script (operator side only).
func (d *DB) CreateScript(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Script) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createScript(ctx, v, s) })
}

func (tx *Tx) createScript(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Script) error {
	s.ID, s.OrgID, s.CreatedAt, s.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO scripts (id, org_id, external_id, title, body, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, s.ID, s.OrgID, nullStr(s.ExternalID), s.Title, s.Body, tx.now)
	if err != nil {
		return sqlErr(err, "script")
	}
	return tx.audit(ctx, v, "script.created", "script", s.ID, s.Title)
}

// UpdateScript saves a script (operator side only).
func (d *DB) UpdateScript(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Script) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateScript(ctx, v, s) })
}

func (tx *Tx) updateScript(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Script) error {
	old, err := tx.findScript(ctx, v, s.ID)
	if err != nil {
		return err
	}
	s.OrgID, s.CreatedAt, s.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := []any{s.ID, nullStr(s.ExternalID), s.Title, s.Body, tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE scripts SET external_id = $2, title = $3, body = $4, updated_at = $5
		WHERE id = $1`+ifUnchanged(&args, s.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, s.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "script")
	}
	return tx.audit(ctx, v, "script.updated", "script", s.ID, s.Title)
}

// UpsertScriptByExternalID creates or updates the script the back office
// knows by s.ExternalID.
func (d *DB) UpsertScriptByExternalID(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Script) (bool, error) {
	return d.upsertByExternal(ctx, v, "scripts", s.ExternalID, s.Validate, func(id string) { s.ID = id },
		func(tx *Tx) error { return tx.createScript(ctx, v, s) }, func(tx *Tx) error { return tx.updateScript(ctx, v, s) })
}

// FindScriptByID returns a script of the viewer's organisation.
func (d *DB) FindScriptByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Script, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findScript(ctx, v, id)
}

func (tx *Tx) findScript(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Script, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeOrg(v, "x")
	q.and("x.id = " + q.arg(id))
	s, err := scanScript(tx.QueryRowContext(ctx, q.sql(`SELECT `+scriptColumns+` FROM scripts x`, ""), q.args...))
	return s, sqlErr(err, "script")
}

// FindScripts lists scripts by title (then id); search matches title and
// text. With UpdatedSince the order is (updated_at, id).
func (d *DB) FindScripts(ctx context.Context, v fieldportal.Viewer, f fieldportal.CatalogueFilter) ([]*fieldportal.Script, string, error) {
	var q query
	q.scopeOrg(v, "x")
	q.search(f.Search, "x.title", "x.body")
	if f.ExternalID != "" {
		q.and("x.external_id = " + q.arg(f.ExternalID))
	}
	order, byUpdate, err := q.pageOrder(f.Page, f.UpdatedSince, "x", "title")
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+scriptColumns+` FROM scripts x`, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanScript)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(s *fieldportal.Script) string {
		if byUpdate {
			return cursor(s.UpdatedAt, s.ID)
		}
		return cursor(s.Title, s.ID)
	})
	return list, next, nil
}

// ---- items

const itemColumns = `x.id, x.org_id, x.external_id, x.code, x.name, x.unit_price, x.active, x.created_at, x.updated_at`

func scanItem(row interface{ Scan(...any) error }) (*fieldportal.Item, error) {
	var i fieldportal.Item
	return &i, row.Scan(&i.ID, &i.OrgID, str(&i.ExternalID), &i.Code, &i.Name, money(&i.UnitPrice), &i.Active,
		tm(&i.CreatedAt), tm(&i.UpdatedAt))
}

// CreateItem adds a catalogue item (operator side only).
func (d *DB) CreateItem(ctx context.Context, v fieldportal.Viewer, i *fieldportal.Item) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := i.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createItem(ctx, v, i) })
}

func (tx *Tx) createItem(ctx context.Context, v fieldportal.Viewer, i *fieldportal.Item) error {
	i.ID, i.OrgID, i.CreatedAt, i.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO items (id, org_id, external_id, code, name, unit_price, active, created_at,
		updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		i.ID, i.OrgID, nullStr(i.ExternalID), i.Code, i.Name, int64(i.UnitPrice), i.Active, tx.now)
	if err != nil {
		return sqlErr(err, "item")
	}
	return tx.audit(ctx, v, "item.created", "item", i.ID, i.Code)
}

// UpdateItem saves a catalogue item (operator side only).
func (d *DB) UpdateItem(ctx context.Context, v fieldportal.Viewer, i *fieldportal.Item) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := i.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateItem(ctx, v, i) })
}

func (tx *Tx) updateItem(ctx context.Context, v fieldportal.Viewer, i *fieldportal.Item) error {
	old, err := tx.findItem(ctx, v, i.ID)
	if err != nil {
		return err
	}
	i.OrgID, i.CreatedAt, i.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := []any{i.ID, nullStr(i.ExternalID), i.Code, i.Name, int64(i.UnitPrice), i.Active, tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE items SET external_id = $2, code = $3, name = $4, unit_price = $5, active = $6,
		updated_at = $7 WHERE id = $1`+ifUnchanged(&args, i.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, i.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "item")
	}
	return tx.audit(ctx, v, "item.updated", "item", i.ID, i.Code)
}

// UpsertItemByExternalID creates or updates the item the back office knows
// by i.ExternalID.
func (d *DB) UpsertItemByExternalID(ctx context.Context, v fieldportal.Viewer, i *fieldportal.Item) (bool, error) {
	return d.upsertByExternal(ctx, v, "items", i.ExternalID, i.Validate, func(id string) { i.ID = id },
		func(tx *Tx) error { return tx.createItem(ctx, v, i) }, func(tx *Tx) error { return tx.updateItem(ctx, v, i) })
}

// FindItemByID returns a catalogue item of the viewer's organisation.
func (d *DB) FindItemByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Item, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findItem(ctx, v, id)
}

func (tx *Tx) findItem(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Item, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeOrg(v, "x")
	q.and("x.id = " + q.arg(id))
	i, err := scanItem(tx.QueryRowContext(ctx, q.sql(`SELECT `+itemColumns+` FROM items x`, ""), q.args...))
	return i, sqlErr(err, "item")
}

// FindItems lists catalogue items by code (then id); search matches code
// and name. With UpdatedSince the order is (updated_at, id). The filters
// by flag, external id and code each have an index (items_active_code,
// items_active_updated, items_external, items_code).
func (d *DB) FindItems(ctx context.Context, v fieldportal.Viewer, f fieldportal.CatalogueFilter) ([]*fieldportal.Item, string, error) {
	var q query
	q.scopeOrg(v, "x")
	q.search(f.Search, "x.code", "x.name")
	if f.ActiveOnly {
		q.and("x.active = TRUE")
	}
	if f.Active != nil {
		q.and("x.active = " + q.arg(*f.Active))
	}
	if f.ExternalID != "" {
		q.and("x.external_id = " + q.arg(f.ExternalID))
	}
	if f.Code != "" {
		q.and("x.code = " + q.arg(f.Code))
	}
	order, byUpdate, err := q.pageOrder(f.Page, f.UpdatedSince, "x", "code")
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+itemColumns+` FROM items x`, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanItem)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(i *fieldportal.Item) string {
		if byUpdate {
			return cursor(i.UpdatedAt, i.ID)
		}
		return cursor(i.Code, i.ID)
	})
	return list, next, nil
}

// ---- contractors

const contractorColumns = `x.id, x.org_id, x.external_id, x.name, x.created_at, x.updated_at`

func scanContractor(row interface{ Scan(...any) error }) (*fieldportal.Contractor, error) {
	var c fieldportal.Contractor
	return &c, row.Scan(&c.ID, &c.OrgID, str(&c.ExternalID), &c.Name, tm(&c.CreatedAt), tm(&c.UpdatedAt))
}

// CreateContractor adds a contractor (operator side only).
func (d *DB) CreateContractor(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contractor) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createContractor(ctx, v, c) })
}

func (tx *Tx) createContractor(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contractor) error {
	c.ID, c.OrgID, c.CreatedAt, c.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO contractors (id, org_id, external_id, name, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)`, c.ID, c.OrgID, nullStr(c.ExternalID), c.Name, tx.now)
	if err != nil {
		return sqlErr(err, "contractor")
	}
	return tx.audit(ctx, v, "contractor.created", "contractor", c.ID, c.Name)
}

// UpdateContractor saves a contractor (operator side only).
func (d *DB) UpdateContractor(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contractor) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateContractor(ctx, v, c) })
}

func (tx *Tx) updateContractor(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contractor) error {
	old, err := tx.findContractor(ctx, v, c.ID)
	if err != nil {
		return err
	}
	c.OrgID, c.CreatedAt, c.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := []any{c.ID, nullStr(c.ExternalID), c.Name, tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE contractors SET external_id = $2, name = $3, updated_at = $4
		WHERE id = $1`+ifUnchanged(&args, c.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, c.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "contractor")
	}
	return tx.audit(ctx, v, "contractor.updated", "contractor", c.ID, c.Name)
}

// UpsertContractorByExternalID creates or updates the contractor the back
// office knows by c.ExternalID.
func (d *DB) UpsertContractorByExternalID(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contractor) (bool, error) {
	return d.upsertByExternal(ctx, v, "contractors", c.ExternalID, c.Validate, func(id string) { c.ID = id },
		func(tx *Tx) error { return tx.createContractor(ctx, v, c) }, func(tx *Tx) error { return tx.updateContractor(ctx, v, c) })
}

// FindContractorByID returns a contractor of the viewer's organisation.
func (d *DB) FindContractorByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Contractor, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findContractor(ctx, v, id)
}

func (tx *Tx) findContractor(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Contractor, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeOrg(v, "x")
	q.and("x.id = " + q.arg(id))
	c, err := scanContractor(tx.QueryRowContext(ctx, q.sql(`SELECT `+contractorColumns+` FROM contractors x`, ""), q.args...))
	return c, sqlErr(err, "contractor")
}

// FindContractors lists contractors by name (then id): contacts read them
// for the invoice and certificate filters. With UpdatedSince the order is
// (updated_at, id).
func (d *DB) FindContractors(ctx context.Context, v fieldportal.Viewer, f fieldportal.ContractorFilter) ([]*fieldportal.Contractor, string, error) {
	var q query
	q.scopeOrg(v, "x")
	if f.ExternalID != "" {
		q.and("x.external_id = " + q.arg(f.ExternalID))
	}
	order, byUpdate, err := q.pageOrder(f.Page, f.UpdatedSince, "x", "name")
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+contractorColumns+` FROM contractors x`, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanContractor)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(c *fieldportal.Contractor) string {
		if byUpdate {
			return cursor(c.UpdatedAt, c.ID)
		}
		return cursor(c.Name, c.ID)
	})
	return list, next, nil
}
