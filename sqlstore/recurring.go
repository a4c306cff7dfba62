package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

const recurringColumns = `r.id, r.org_id, r.external_id, r.customer_id, r.site_id, r.name, r.total_inc_tax, r.frequency,
	r.last_payment_date, r.next_due_date, r.autopay, r.active, r.created_at, r.updated_at, s.name, cu.name`

const recurringFrom = ` FROM recurring_invoices r LEFT JOIN sites s ON s.id = r.site_id JOIN customers cu ON cu.id = r.customer_id`

func scanRecurring(row interface{ Scan(...any) error }) (*fieldportal.RecurringInvoice, error) {
	var r fieldportal.RecurringInvoice
	err := row.Scan(&r.ID, &r.OrgID, str(&r.ExternalID), &r.CustomerID, str(&r.SiteID), &r.Name, money(&r.TotalIncTax),
		&r.Frequency, &r.LastPaymentDate, &r.NextDueDate, &r.Autopay, &r.Active, tm(&r.CreatedAt), tm(&r.UpdatedAt),
		str(&r.SiteName), &r.CustomerName)
	return &r, err
}

// CreateRecurringInvoice adds a recurring invoice schedule (operator side
// only). The customer is filled from the site when left empty.
func (d *DB) CreateRecurringInvoice(ctx context.Context, v fieldportal.Viewer, r *fieldportal.RecurringInvoice) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createRecurring(ctx, v, r) })
}

func (tx *Tx) createRecurring(ctx context.Context, v fieldportal.Viewer, r *fieldportal.RecurringInvoice) error {
	if err := tx.checkRecurringRefs(ctx, v, r); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	r.ID, r.OrgID, r.CreatedAt, r.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO recurring_invoices (id, org_id, external_id, customer_id, site_id, name,
		total_inc_tax, frequency, last_payment_date, next_due_date, autopay, active, created_at, updated_at, anchor_day)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)`,
		r.ID, r.OrgID, nullStr(r.ExternalID), r.CustomerID, nullStr(r.SiteID), r.Name, r.TotalIncTax, r.Frequency,
		r.LastPaymentDate, r.NextDueDate, r.Autopay, r.Active, tx.now, r.NextDueDate.Day)
	if err != nil {
		return sqlErr(err, "recurring invoice")
	}
	return tx.audit(ctx, v, "recurring_invoice.created", "recurring_invoice", r.ID, r.Name)
}

// UpdateRecurringInvoice saves a recurring invoice (operator side only).
func (d *DB) UpdateRecurringInvoice(ctx context.Context, v fieldportal.Viewer, r *fieldportal.RecurringInvoice) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateRecurring(ctx, v, r) })
}

func (tx *Tx) updateRecurring(ctx context.Context, v fieldportal.Viewer, r *fieldportal.RecurringInvoice) error {
	old, err := tx.findRecurring(ctx, v, r.ID)
	if err != nil {
		return err
	}
	if err := tx.checkRecurringRefs(ctx, v, r); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	r.OrgID, r.CreatedAt, r.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	// A due date set by hand anchors the schedule's day of the month; one
	// kept as it was keeps its anchor (a 31st clamped to the 28th).
	var anchor int
	if err := tx.QueryRowContext(ctx, `SELECT anchor_day FROM recurring_invoices WHERE id = $1`, r.ID).Scan(&anchor); err != nil {
		return err
	}
	if r.NextDueDate != old.NextDueDate {
		anchor = r.NextDueDate.Day
	}
	// The last payment is the payments' (autopay sets it): not taken
	// from r, which may have been read before one (issue 19: money has
	// one source of truth).
	args := []any{r.ID, nullStr(r.ExternalID), r.CustomerID, nullStr(r.SiteID), r.Name, r.TotalIncTax, r.Frequency,
		r.NextDueDate, r.Autopay, r.Active, tx.now, anchor}
	res, err := tx.ExecContext(ctx, `UPDATE recurring_invoices SET external_id = $2, customer_id = $3, site_id = $4, name = $5,
		total_inc_tax = $6, frequency = $7, next_due_date = $8, autopay = $9, active = $10,
		updated_at = $11, anchor_day = $12 WHERE id = $1`+ifUnchanged(&args, r.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, r.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "recurring invoice")
	}
	if err := tx.QueryRowContext(ctx, `SELECT last_payment_date FROM recurring_invoices WHERE id = $1`, r.ID).Scan(&r.LastPaymentDate); err != nil {
		return err
	}
	// Automatic payment turned off by an edit is cancelled as surely as
	// by CancelAutopay, and the back office hears of it the same way.
	if old.Autopay && !r.Autopay {
		if err := tx.emitEvent(ctx, v, r.OrgID, "autopay.cancelled", r); err != nil {
			return err
		}
	}
	return tx.audit(ctx, v, "recurring_invoice.updated", "recurring_invoice", r.ID, r.Name)
}

// UpsertRecurringInvoiceByExternalID creates or updates the schedule with
// the back office's id (PUT /by-external-id). Staff/API only.
func (d *DB) UpsertRecurringInvoiceByExternalID(ctx context.Context, v fieldportal.Viewer, r *fieldportal.RecurringInvoice) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "recurring_invoices", r.ExternalID, noValidate, func(id string) { r.ID = id },
		func(tx *Tx) error { return tx.createRecurring(ctx, v, r) },
		func(tx *Tx) error { return tx.updateRecurring(ctx, v, r) })
}

func (tx *Tx) checkRecurringRefs(ctx context.Context, v fieldportal.Viewer, r *fieldportal.RecurringInvoice) error {
	if r.SiteID != "" {
		s, err := tx.findSite(ctx, v, r.SiteID)
		if err != nil {
			return fieldportal.FieldErrorf("site_id", "Site not found.")
		}
		if r.CustomerID == "" {
			r.CustomerID = s.CustomerID
		} else if r.CustomerID != s.CustomerID {
			return fieldportal.FieldErrorf("site_id", "The site belongs to another customer.")
		}
	}
	if r.CustomerID != "" {
		if _, err := tx.findCustomer(ctx, v, r.CustomerID); err != nil {
			return fieldportal.FieldErrorf("customer_id", "Customer not found.")
		}
	}
	return nil
}

// FindRecurringInvoiceByID returns a recurring invoice the viewer sees.
func (d *DB) FindRecurringInvoiceByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.RecurringInvoice, error) {
	if err := needModule(v, fieldportal.ModuleAutopay, "recurring invoice"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findRecurring(ctx, v, id)
}

func (tx *Tx) findRecurring(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.RecurringInvoice, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSiteOrCustomer(v, "r")
	q.and("r.id = " + q.arg(id))
	r, err := scanRecurring(tx.QueryRowContext(ctx, q.sql(`SELECT `+recurringColumns+recurringFrom, ""), q.args...))
	return r, sqlErr(err, "recurring invoice")
}

// FindRecurringInvoices lists the recurring invoices the viewer sees, by
// name (name, id); with UpdatedSince, (updated_at, id) for API sync.
func (d *DB) FindRecurringInvoices(ctx context.Context, v fieldportal.Viewer, f fieldportal.RecurringInvoiceFilter) ([]*fieldportal.RecurringInvoice, string, error) {
	if err := needModule(v, fieldportal.ModuleAutopay, "recurring invoice"); err != nil {
		return nil, "", err
	}
	var q query
	q.scopeSiteOrCustomer(v, "r")
	if f.SiteID != "" {
		q.and("r.site_id = " + q.arg(f.SiteID))
	}
	if f.CustomerID != "" {
		q.and("r.customer_id = " + q.arg(f.CustomerID))
	}
	if f.ExternalID != "" {
		q.and("r.external_id = " + q.arg(f.ExternalID))
	}
	q.search(f.Search, "r.name", "cu.name")
	order, byUpdate := "r.name, r.id", !f.UpdatedSince.IsZero()
	if byUpdate {
		q.updatedSince("r.updated_at", f.UpdatedSince, f.Page.After)
		order = "r.updated_at, r.id"
		if err := q.keyset(f.After, false, "r.updated_at", "r.id"); err != nil {
			return nil, "", err
		}
	} else if err := q.keyset(f.After, false, "r.name", "r.id"); err != nil {
		return nil, "", err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	from := recurringFrom
	if few {
		// A contact of a few sites reads its schedules from its sites'
		// rows (recurring_invoices_site, migration 00332) and its
		// customers' schedules without a site, and sorts them, instead
		// of walking every schedule of the organisation by name (all
		// 2,000 at the large size, 8.5 ms, for a one-site contact with
		// none; 0.07 ms so). The scope stays in the WHERE: the plan
		// changes, not the rows. SQLite is told the indexes: without
		// statistics it walked recurring_invoices_org_name for the sites.
		org := q.arg(v.OrgID)
		from = strings.Replace(recurringFrom, "recurring_invoices r ", "(SELECT * FROM recurring_invoices r1"+sqliteOnly("INDEXED BY recurring_invoices_site")+" WHERE r1.org_id = "+org+
			" AND r1.site_id IN (SELECT rs.id FROM sites rs WHERE "+q.siteReachable("rs.id", "rs.customer_id")+")"+
			" UNION ALL SELECT * FROM recurring_invoices r2"+sqliteOnly("INDEXED BY recurring_invoices_customer")+" WHERE r2.org_id = "+org+" AND r2.site_id IS NULL AND "+
			customerOnlyVisible("r2.customer_id")+") r ", 1)
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+recurringColumns+from, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanRecurring)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(r *fieldportal.RecurringInvoice) string {
		if byUpdate {
			return cursor(r.UpdatedAt, r.ID)
		}
		return cursor(r.Name, r.ID)
	})
	return list, next, nil
}

// CancelAutopay turns automatic payment off for one schedule: a contact
// who may use Automatic payments and sees the schedule, or staff.
// Cancelling an already cancelled schedule changes nothing.
func (d *DB) CancelAutopay(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.RecurringInvoice, error) {
	if err := needModule(v, fieldportal.ModuleAutopay, "recurring invoice"); err != nil {
		return nil, err
	}
	var r *fieldportal.RecurringInvoice
	err := d.inTx(ctx, func(tx *Tx) error {
		var err error
		if r, err = tx.findRecurring(ctx, v, id); err != nil || !r.Autopay {
			return err
		}
		r.Autopay, r.UpdatedAt = false, tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE recurring_invoices SET autopay = $2, updated_at = $3 WHERE id = $1`,
			r.ID, false, tx.now); err != nil {
			return err
		}
		if err := tx.audit(ctx, v, "autopay.cancelled", "recurring_invoice", r.ID, r.Name); err != nil {
			return err
		}
		total, site := r.TotalIncTax, r.SiteName
		if err := tx.mailStatementContacts(ctx, r.OrgID, r.SiteID, r.CustomerID, "autopay_cancelled", func(org, currency, name string) mail.Message {
			return mail.AutopayCancelled(org, name, r.Name, site, currency+" "+total.String())
		}); err != nil {
			return err
		}
		return tx.emitEvent(ctx, v, r.OrgID, "autopay.cancelled", r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

const savedCardColumns = `sc.id, sc.org_id, sc.customer_id, sc.provider, sc.provider_ref, sc.brand, sc.last4,
	sc.exp_month, sc.exp_year, sc.created_at, sc.updated_at`

// FindSavedCard returns a customer's saved card, if the viewer sees the
// customer as a whole (site access "all") and may use Automatic payments.
func (d *DB) FindSavedCard(ctx context.Context, v fieldportal.Viewer, customerID string) (*fieldportal.SavedCard, error) {
	if err := needModule(v, fieldportal.ModuleAutopay, "saved card"); err != nil {
		return nil, err
	}
	var q query
	q.scopeCustomerRecord(v, "sc")
	q.and("sc.customer_id = " + q.arg(customerID))
	c, err := scanSavedCard(d.db.QueryRowContext(ctx, q.sql(`SELECT `+savedCardColumns+` FROM saved_cards sc`, ""), q.args...))
	if err != nil {
		return nil, sqlErr(err, "saved card")
	}
	return c, nil
}

func scanSavedCard(row interface{ Scan(...any) error }) (*fieldportal.SavedCard, error) {
	var c fieldportal.SavedCard
	err := row.Scan(&c.ID, &c.OrgID, &c.CustomerID, &c.Provider, &c.ProviderRef, &c.Brand, &c.Last4, &c.ExpMonth,
		&c.ExpYear, tm(&c.CreatedAt), tm(&c.UpdatedAt))
	return &c, err
}

// FindSavedCards returns the saved cards, among those of customerIDs, that
// the viewer holds (FindSavedCard's rule), in one query: the automatic
// payments page read each of its customers' cards, and each customer,
// one by one (about a hundred queries for a big parent's page).
func (d *DB) FindSavedCards(ctx context.Context, v fieldportal.Viewer, customerIDs []string) ([]*fieldportal.SavedCard, error) {
	if err := needModule(v, fieldportal.ModuleAutopay, "saved card"); err != nil {
		return nil, err
	}
	if len(customerIDs) == 0 {
		return nil, nil
	}
	var q query
	q.scopeCustomerRecord(v, "sc")
	ph := make([]string, len(customerIDs))
	for i, id := range customerIDs {
		ph[i] = q.arg(id)
	}
	q.and("sc.customer_id IN (" + strings.Join(ph, ", ") + ")")
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+savedCardColumns+` FROM saved_cards sc`, "ORDER BY sc.customer_id"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanSavedCard)
}

// PutSavedCard stores the one card of a customer, replacing any earlier
// one (SPEC §4 "one saved card per customer, change it"). A contact may
// change the card of a customer it sees as a whole; staff and the system
// of any customer of the organisation.
func (d *DB) PutSavedCard(ctx context.Context, v fieldportal.Viewer, c *fieldportal.SavedCard) error {
	if err := needModule(v, fieldportal.ModuleAutopay, "saved card"); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		// The card is a customer-level record: the customer must be one the
		// viewer may hold such records of, by the same rule as reading it.
		var q query
		q.scopeCustomerRecord(v, "c")
		q.and("c.id = " + q.arg(c.CustomerID))
		var ok bool
		if err := tx.QueryRowContext(ctx, q.sql(`SELECT EXISTS (SELECT 1 FROM (SELECT id, org_id, id AS customer_id FROM customers) c`, ")"),
			q.args...).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return fieldportal.FieldErrorf("customer_id", "Customer not found.")
		}
		c.OrgID, c.UpdatedAt = v.OrgID, tx.now
		// One statement replaces the card, so two changes at once leave
		// exactly one card; the id and created time of the first stay.
		err := tx.QueryRowContext(ctx, `INSERT INTO saved_cards (id, org_id, customer_id, provider, provider_ref, brand,
			last4, exp_month, exp_year, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
			ON CONFLICT (customer_id) DO UPDATE SET provider = excluded.provider, provider_ref = excluded.provider_ref,
			brand = excluded.brand, last4 = excluded.last4, exp_month = excluded.exp_month, exp_year = excluded.exp_year,
			updated_at = excluded.updated_at
			RETURNING id, created_at`, newID(), c.OrgID, c.CustomerID, c.Provider, c.ProviderRef, c.Brand, c.Last4,
			c.ExpMonth, c.ExpYear, tx.now).Scan(&c.ID, tm(&c.CreatedAt))
		if err != nil {
			return sqlErr(err, "saved card")
		}
		return tx.audit(ctx, v, "saved_card.changed", "customer", c.CustomerID, c.Brand+" "+c.Last4)
	})
}
