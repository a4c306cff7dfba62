package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
)

const contactColumns = `ct.id, ct.org_id, ct.external_id, ct.customer_id, ct.first_name, ct.last_name, ct.email, ct.phone,
	ct.mobile, ct.position, ct.quote_contact, ct.job_contact, ct.invoice_contact, ct.statement_contact, ct.is_primary,
	ct.created_in_portal, ct.created_at, ct.updated_at`

func scanContact(row interface{ Scan(...any) error }) (*fieldportal.Contact, error) {
	var c fieldportal.Contact
	err := row.Scan(&c.ID, &c.OrgID, str(&c.ExternalID), &c.CustomerID, &c.FirstName, &c.LastName, &c.Email, &c.Phone,
		&c.Mobile, &c.Position, &c.QuoteContact, &c.JobContact, &c.InvoiceContact, &c.StatementContact, &c.Primary,
		&c.CreatedInPortal, tm(&c.CreatedAt), tm(&c.UpdatedAt))
	return &c, err
}

// canManageContacts: staff, or a contact allowed to manage contacts
// (SPEC §2.6); the customer must then be one it reaches.
func canManageContacts(v fieldportal.Viewer) error {
	if v.SeesWholeOrg() || (v.IsContact() && v.CanDo(fieldportal.ActionManageContacts)) {
		return nil
	}
	return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot manage contacts.")
}

// CreateContact adds a contact to a customer the viewer reaches.
func (d *DB) CreateContact(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact) error {
	if err := canManageContacts(v); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createContact(ctx, v, c) })
}

func (tx *Tx) createContact(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact) error {
	if _, err := tx.findCustomer(ctx, v, c.CustomerID); err != nil {
		return fieldportal.FieldErrorf("customer_id", "Customer not found.")
	}
	if v.IsContact() {
		if err := tx.checkEmailFree(ctx, v.OrgID, "", c.Email); err != nil {
			return err
		}
	}
	c.ID, c.OrgID, c.CreatedAt, c.UpdatedAt, c.CreatedInPortal = newID(), v.OrgID, tx.now, tx.now, v.IsContact()
	_, err := tx.ExecContext(ctx, `INSERT INTO contacts (id, org_id, external_id, customer_id, first_name, last_name,
		email, phone, mobile, position, quote_contact, job_contact, invoice_contact, statement_contact, is_primary,
		created_in_portal, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)`,
		c.ID, c.OrgID, nullStr(c.ExternalID), c.CustomerID, c.FirstName, c.LastName, c.Email, c.Phone, c.Mobile,
		c.Position, c.QuoteContact, c.JobContact, c.InvoiceContact, c.StatementContact, c.Primary, c.CreatedInPortal, tx.now)
	if err != nil {
		return sqlErr(err, "contact")
	}
	if err := tx.emitEvent(ctx, v, v.OrgID, "contact.created", c); err != nil {
		return err
	}
	return tx.audit(ctx, v, "contact.created", "contact", c.ID, c.Name())
}

// UpdateContact saves a contact's details. A contact may always edit its
// own details; others need the manage-contacts right.
func (d *DB) UpdateContact(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact) error {
	if c.ID != v.ContactID || !v.IsContact() {
		if err := canManageContacts(v); err != nil {
			return err
		}
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateContact(ctx, v, c) })
}

func (tx *Tx) updateContact(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact) error {
	old, err := tx.findContact(ctx, v, c.ID)
	if err != nil {
		return err
	}
	if v.IsContact() {
		c.CustomerID, c.ExternalID = old.CustomerID, old.ExternalID
		if !strings.EqualFold(old.Email, c.Email) {
			if err := tx.checkEmailFree(ctx, v.OrgID, c.ID, c.Email); err != nil {
				return err
			}
		}
	} else if c.CustomerID != old.CustomerID {
		if _, err := tx.findCustomer(ctx, v, c.CustomerID); err != nil {
			return fieldportal.FieldErrorf("customer_id", "Customer not found.")
		}
	}
	c.OrgID, c.CreatedAt, c.UpdatedAt, c.CreatedInPortal = old.OrgID, old.CreatedAt, tx.now, old.CreatedInPortal
	args := []any{c.ID, nullStr(c.ExternalID), c.CustomerID, c.FirstName, c.LastName, c.Email, c.Phone, c.Mobile, c.Position,
		c.QuoteContact, c.JobContact, c.InvoiceContact, c.StatementContact, c.Primary, tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE contacts SET external_id = $2, customer_id = $3, first_name = $4, last_name = $5,
		email = $6, phone = $7, mobile = $8, position = $9, quote_contact = $10, job_contact = $11, invoice_contact = $12,
		statement_contact = $13, is_primary = $14, updated_at = $15 WHERE id = $1`+ifUnchanged(&args, c.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, c.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "contact")
	}
	if c.CustomerID != old.CustomerID {
		// A site's contacts are people of its customer: one moved to
		// another customer leaves the sites of the one it left.
		if _, err := tx.ExecContext(ctx, `DELETE FROM site_contacts WHERE contact_id = $1 AND site_id NOT IN
			(SELECT id FROM sites WHERE customer_id = $2)`, c.ID, c.CustomerID); err != nil {
			return err
		}
	}
	if err := tx.emitEvent(ctx, v, v.OrgID, "contact.updated", c); err != nil {
		return err
	}
	return tx.audit(ctx, v, "contact.updated", "contact", c.ID, c.Name())
}

// FindContactByID returns a contact the viewer can see.
func (d *DB) FindContactByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Contact, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findContact(ctx, v, id)
}

func (tx *Tx) findContact(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Contact, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeContact(v, "ct")
	q.and("ct.id = " + q.arg(id))
	c, err := scanContact(tx.QueryRowContext(ctx, q.sql(`SELECT `+contactColumns+` FROM contacts ct`, ""), q.args...))
	return c, sqlErr(err, "contact")
}

// FindContacts lists the contacts the viewer can see, by name.
func (d *DB) FindContacts(ctx context.Context, v fieldportal.Viewer, f fieldportal.ContactFilter) ([]*fieldportal.Contact, string, error) {
	q, order, err := contactsQuery(d.dialect, v, f)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.planned(searching(f.Search)).QueryContext(ctx, q.sql(`SELECT `+contactColumns+` FROM contacts ct`, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanContact)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, contactCursor(f))
	return list, next, nil
}

// contactsQuery is the scope, filters and keyset of a list of contacts
// (alias ct) on the engine d, and its ORDER BY columns.
func contactsQuery(d Dialect, v fieldportal.Viewer, f fieldportal.ContactFilter) (*query, string, error) {
	q := &query{}
	q.scopeContact(v, "ct")
	q.searchIndexed(d, f.Search, "ct", contactText)
	if f.CustomerID != "" {
		q.and("ct.customer_id = " + q.arg(f.CustomerID))
	}
	if f.ExternalID != "" {
		q.and("ct.external_id = " + q.arg(f.ExternalID))
	}
	if !f.UpdatedSince.IsZero() {
		q.updatedSince("ct.updated_at", f.UpdatedSince, f.Page.After)
		return q, "ct.updated_at, ct.id", q.keyset(f.After, false, "ct.updated_at", "ct.id")
	}
	order := "ct.last_name, ct.first_name, ct.id"
	if textIndexed(f.Search) {
		// The same order, written so that no index serves it: PostgreSQL
		// reads the matches through the text indexes and sorts them,
		// instead of walking every contact by name on the guess that
		// matches are spread through the alphabet ("Shah": 30 ms over
		// the 19,000 contacts before S, 4 ms read from the index).
		order = "ct.last_name || '', ct.first_name, ct.id"
	}
	return q, order, q.keyset(f.After, false, "ct.last_name", "ct.first_name", "ct.id")
}

// contactCursor returns the cursor of the page after a contact, for the
// order contactsQuery chose.
func contactCursor(f fieldportal.ContactFilter) func(*fieldportal.Contact) string {
	return func(c *fieldportal.Contact) string {
		if !f.UpdatedSince.IsZero() {
			return cursor(c.UpdatedAt, c.ID)
		}
		return cursor(c.LastName, c.FirstName, c.ID)
	}
}
