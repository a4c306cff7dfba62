package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The back office syncs records by its own ids (PUT
// /api/v1/{resource}/by-external-id/{id}). These upserts find the record
// by (organisation, external id), update it when found, create it when
// not, all in one transaction; syncs racing on one record take turns
// (upsertByExternal).

// UpsertCustomerByExternalID creates or updates a customer by the back
// office's id; created reports which.
func (d *DB) UpsertCustomerByExternalID(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Customer) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "customers", c.ExternalID, c.Validate, func(id string) { c.ID = id },
		func(tx *Tx) error { return tx.createCustomer(ctx, v, c) }, func(tx *Tx) error { return tx.updateCustomer(ctx, v, c) })
}

// UpsertSiteByExternalID creates or updates a site by the back office's id.
func (d *DB) UpsertSiteByExternalID(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Site) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "sites", s.ExternalID, s.Validate, func(id string) { s.ID = id },
		func(tx *Tx) error { return tx.createSite(ctx, v, s) }, func(tx *Tx) error { return tx.updateSite(ctx, v, s) })
}

// UpsertContactByExternalID creates or updates a contact by the back office's id.
func (d *DB) UpsertContactByExternalID(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "contacts", c.ExternalID, c.Validate, func(id string) { c.ID = id },
		func(tx *Tx) error { return tx.createContact(ctx, v, c) }, func(tx *Tx) error { return tx.updateContact(ctx, v, c) })
}

// needExternalID refuses an upsert without the key it upserts by; blank
// is none.
func needExternalID(id string) error {
	if strings.TrimSpace(id) == "" {
		return fieldportal.FieldErrorf("external_id", "External id is required.")
	}
	return nil
}

// idByExternalID returns the id of the row of table with the external id
// in the viewer's organisation, or "" when there is none. Only upserts
// call it, and they are operator-side only (needStaff), so the
// organisation is the whole scope.
func (tx *Tx) idByExternalID(ctx context.Context, v fieldportal.Viewer, table, externalID string) (string, error) {
	var q query
	q.scopeOrg(v, "x")
	q.and("x.external_id = " + q.arg(externalID))
	var id string
	err := tx.QueryRowContext(ctx, q.sql(`SELECT x.id FROM `+table+` x`, ""), q.args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// upsertByExternal is the body of every upsert by external id. create and
// update are the resource's own transaction-level helpers, the ones its
// public methods run after validate, so validation and scope stay theirs.
// It runs in one transaction that first takes a lock on the external id,
// so a sync racing to create the same record waits for the first and then
// finds the record to update, instead of failing on the unique index.
func (d *DB) upsertByExternal(ctx context.Context, v fieldportal.Viewer, table, externalID string, validate func() error,
	setID func(string), create, update func(tx *Tx) error) (created bool, err error) {
	if err := needStaff(v); err != nil {
		return false, err
	}
	if err := needExternalID(externalID); err != nil {
		return false, err
	}
	if err := validate(); err != nil {
		return false, err
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		if lock := d.dialect.keyLock(); lock != "" {
			if _, err := tx.ExecContext(ctx, lock, table+":"+v.OrgID+":"+externalID); err != nil {
				return err
			}
		}
		id, err := tx.idByExternalID(ctx, v, table, externalID)
		if err != nil {
			return err
		}
		if id == "" {
			created = true
			return create(tx)
		}
		setID(id)
		return update(tx)
	})
	// A create that failed was rolled back: nothing was created.
	return created && err == nil, err
}

// noValidate is for resources whose transaction-level create and update
// validate themselves, after filling what they derive (an invoice's
// status, a schedule's customer from its site).
func noValidate() error { return nil }
