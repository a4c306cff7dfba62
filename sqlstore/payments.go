package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
)

const paymentColumns = `p.id, p.org_id, p.external_id, p.customer_id, p.amount, p.currency, p.method, p.provider,
	p.provider_ref, p.receipt_number, p.status, p.paid_at, p.paid_by, p.created_at, p.updated_at, p.reference`

func scanPayment(row interface{ Scan(...any) error }) (*fieldportal.Payment, error) {
	var p fieldportal.Payment
	err := row.Scan(&p.ID, &p.OrgID, str(&p.ExternalID), &p.CustomerID, money(&p.Amount), &p.Currency, &p.Method,
		&p.Provider, str(&p.ProviderRef), &p.ReceiptNumber, &p.Status, tm(&p.PaidAt), str(&p.PaidBy),
		tm(&p.CreatedAt), tm(&p.UpdatedAt), &p.Reference)
	return &p, err
}

// RecordPayment records money received (staff, API or the system acting on
// a provider's confirmation). A succeeded payment's allocations are applied
// to their invoices in the same transaction: amount paid goes up and the
// status follows (Invoice.StatusFor). A payment with a provider reference
// is recorded once per (organisation, provider, reference): a confirmation
// that arrives twice (SPEC §9), even at the same moment on two instances,
// fills p with the payment already recorded, changes nothing and reports
// created false. Receipt numbers are R-1001, R-1002... per organisation.
func (d *DB) RecordPayment(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) (created bool, err error) {
	if err := needStaff(v); err != nil {
		return false, err
	}
	if p.ProviderRef != "" {
		// The common duplicate is a retry long after the first; answer it
		// without taking the write lock.
		if old, err := d.findPaymentByRef(ctx, v, p.Provider, p.ProviderRef); err == nil {
			*p = *old
			return false, nil
		} else if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			return false, err
		}
	}
	tx, err := d.BeginTx(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	dup, err := tx.recordPayment(ctx, v, p)
	if err != nil {
		return false, err
	}
	if dup {
		// Another transaction recorded the same reference between our look
		// and our insert (PostgreSQL waits for it on the unique index):
		// drop ours, receipt number included, and answer with theirs.
		tx.Rollback()
		old, err := d.findPaymentByRef(ctx, v, p.Provider, p.ProviderRef)
		if err != nil {
			return false, err
		}
		*p = *old
		return false, nil
	}
	return true, tx.Commit()
}

// recordPayment inserts p and its allocations; dup reports that a payment
// with the same provider reference already exists, in which case nothing
// is written that the caller must keep.
func (tx *Tx) recordPayment(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) (dup bool, err error) {
	if err := tx.preparePayment(ctx, v, p); err != nil {
		return false, err
	}
	if p.ReceiptNumber == "" {
		n, err := tx.nextNumber(ctx, v.OrgID, "receipt", 1001)
		if err != nil {
			return false, err
		}
		p.ReceiptNumber = fmt.Sprintf("R-%d", n)
	}
	p.ID, p.OrgID, p.CreatedAt, p.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	res, err := tx.ExecContext(ctx, `INSERT INTO payments (id, org_id, external_id, customer_id, amount, currency, method,
		provider, provider_ref, receipt_number, status, paid_at, paid_by, created_at, updated_at, quote_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)
		ON CONFLICT (org_id, provider, provider_ref) DO NOTHING`,
		p.ID, p.OrgID, nullStr(p.ExternalID), p.CustomerID, p.Amount, p.Currency, p.Method, p.Provider,
		nullStr(p.ProviderRef), p.ReceiptNumber, p.Status, nullTime(p.PaidAt), nullStr(p.PaidBy), tx.now, nullStr(p.QuoteID))
	if err != nil {
		return false, sqlErr(err, "payment")
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, err
	} else if n == 0 {
		return true, nil
	}
	if err := tx.putAllocations(ctx, p, p.Status == fieldportal.PaymentSucceeded); err != nil {
		return false, err
	}
	return false, tx.audit(ctx, v, "payment.recorded", "payment", p.ID, p.ReceiptNumber)
}

// preparePayment fills defaults (currency, paid time) and checks p and
// what it refers to.
func (tx *Tx) preparePayment(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) error {
	if p.Currency == "" {
		if err := tx.QueryRowContext(ctx, `SELECT currency FROM organisations WHERE id = $1`, v.OrgID).Scan(&p.Currency); err != nil {
			return sqlErr(err, "organisation")
		}
	}
	if p.Status == fieldportal.PaymentSucceeded && p.PaidAt.IsZero() {
		p.PaidAt = tx.now
	}
	if err := p.Validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range p.Allocations {
		if seen[a.InvoiceID] {
			return fieldportal.FieldErrorf("allocations", "An invoice can be allocated only once per payment.")
		}
		seen[a.InvoiceID] = true
	}
	if _, err := tx.findCustomer(ctx, v, p.CustomerID); err != nil {
		return fieldportal.FieldErrorf("customer_id", "Customer not found.")
	}
	return nil
}

// putAllocations writes p's allocations, each to an invoice of p's customer
// or one of its sub-customers (a parent pays for its children), and when
// apply is set adds them to the invoices' amounts paid.
func (tx *Tx) putAllocations(ctx context.Context, p *fieldportal.Payment, apply bool) error {
	for _, a := range byInvoice(p.Allocations) {
		var ok bool
		err := tx.QueryRowContext(ctx, `WITH RECURSIVE down(id) AS (SELECT CAST($1 AS TEXT)
				UNION SELECT c.id FROM customers c JOIN down ON c.parent_id = down.id)
			SELECT EXISTS (SELECT 1 FROM invoices WHERE id = $2 AND org_id = $3 AND customer_id IN (SELECT id FROM down))`,
			p.CustomerID, a.InvoiceID, p.OrgID).Scan(&ok)
		if err != nil {
			return err
		}
		if !ok {
			return fieldportal.FieldErrorf("allocations", "Invoice not found for this customer.")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO payment_allocations (payment_id, invoice_id, org_id, amount)
			VALUES ($1, $2, $3, $4)`, p.ID, a.InvoiceID, p.OrgID, a.Amount); err != nil {
			return sqlErr(err, "payment allocation")
		}
		if apply {
			if err := tx.applyToInvoice(ctx, a.InvoiceID, a.Amount); err != nil {
				return err
			}
		}
	}
	return nil
}

// byInvoice returns the allocations ordered by invoice id: every
// transaction locks invoices in that one order, so two payments of the
// same invoices cannot deadlock on PostgreSQL.
func byInvoice(as []fieldportal.PaymentAllocation) []fieldportal.PaymentAllocation {
	out := slices.Clone(as)
	slices.SortFunc(out, func(a, b fieldportal.PaymentAllocation) int { return strings.Compare(a.InvoiceID, b.InvoiceID) })
	return out
}

// applyToInvoice adds delta (negative to reverse) to an invoice's amount
// paid and recomputes its status. The UPDATE comes first so that on
// PostgreSQL the row is locked before it is read: two payments of one
// invoice at once add up instead of overwriting each other.
func (tx *Tx) applyToInvoice(ctx context.Context, invoiceID string, delta fieldportal.Money) error {
	inv := fieldportal.Invoice{ID: invoiceID}
	err := tx.QueryRowContext(ctx, `UPDATE invoices SET amount_paid = amount_paid + $2, updated_at = $3 WHERE id = $1
		RETURNING total, amount_paid, status`, invoiceID, delta, tx.now).Scan(money(&inv.Total), money(&inv.AmountPaid), &inv.Status)
	if err != nil {
		return sqlErr(err, "invoice")
	}
	switch {
	case inv.Status == fieldportal.InvoiceVoid:
		return fieldportal.FieldErrorf("allocations", "A void invoice cannot be paid.")
	case inv.AmountPaid > inv.Total:
		return fieldportal.FieldErrorf("allocations", "The allocation is more than the invoice's balance.")
	case inv.AmountPaid < 0:
		return fieldportal.FieldErrorf("allocations", "The invoice has less paid than the payment being reversed.")
	}
	if _, err = tx.ExecContext(ctx, `UPDATE invoices SET status = $2 WHERE id = $1`, invoiceID, inv.StatusFor()); err != nil {
		return err
	}
	return tx.tallyStored(ctx, "invoices", invoiceID)
}

// UpdatePayment saves a payment (operator side only): a refund, a failed
// confirmation, corrected allocations. The allocations of the old version
// are taken back from their invoices if it had succeeded, and the new ones
// applied if it now has, so an invoice's amount paid always matches its
// succeeded payments.
func (d *DB) UpdatePayment(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updatePayment(ctx, v, p) })
}

func (tx *Tx) updatePayment(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) error {
	// Lock the row first (PostgreSQL) so that two confirmations of one
	// pending payment cannot both see it pending and both apply it.
	if _, err := tx.ExecContext(ctx, `UPDATE payments SET updated_at = updated_at WHERE id = $1 AND org_id = $2`, p.ID, v.OrgID); err != nil {
		return err
	}
	old, err := tx.findPayment(ctx, v, p.ID)
	if err != nil {
		return err
	}
	if p.ReceiptNumber == "" {
		p.ReceiptNumber = old.ReceiptNumber
	}
	if p.PaidAt.IsZero() {
		p.PaidAt = old.PaidAt
	}
	if err := tx.preparePayment(ctx, v, p); err != nil {
		return err
	}
	if old.Status == fieldportal.PaymentSucceeded {
		for _, a := range byInvoice(old.Allocations) {
			if err := tx.applyToInvoice(ctx, a.InvoiceID, -a.Amount); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM payment_allocations WHERE payment_id = $1`, p.ID); err != nil {
		return err
	}
	p.OrgID, p.CreatedAt, p.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := []any{p.ID, nullStr(p.ExternalID), p.CustomerID, p.Amount, p.Currency, p.Method, p.Provider, nullStr(p.ProviderRef),
		p.ReceiptNumber, p.Status, nullTime(p.PaidAt), nullStr(p.PaidBy), tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE payments SET external_id = $2, customer_id = $3, amount = $4, currency = $5,
		method = $6, provider = $7, provider_ref = $8, receipt_number = $9, status = $10, paid_at = $11, paid_by = $12,
		updated_at = $13 WHERE id = $1`+ifUnchanged(&args, p.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, p.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "payment")
	}
	if err := tx.putAllocations(ctx, p, p.Status == fieldportal.PaymentSucceeded); err != nil {
		return err
	}
	return tx.audit(ctx, v, "payment.updated", "payment", p.ID, p.ReceiptNumber)
}

// UpsertPaymentByExternalID creates or updates the payment with the back
// office's id (PUT /by-external-id). Staff/API only. A new payment whose
// provider reference is already recorded answers with that one (created
// false), as RecordPayment does.
func (d *DB) UpsertPaymentByExternalID(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) (created bool, err error) {
	if err := needStaff(v); err != nil {
		return false, err
	}
	if strings.TrimSpace(p.ExternalID) == "" {
		return false, fieldportal.FieldErrorf("external_id", "External id is required.")
	}
	var id string
	err = d.db.QueryRowContext(ctx, `SELECT id FROM payments WHERE org_id = $1 AND external_id = $2`, v.OrgID, p.ExternalID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return d.RecordPayment(ctx, v, p)
	case err != nil:
		return false, err
	}
	p.ID = id
	return false, d.UpdatePayment(ctx, v, p)
}

// FindPaymentByID returns a payment the viewer sees, with the allocations
// to invoices the viewer sees.
func (d *DB) FindPaymentByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Payment, error) {
	if err := needModule(v, fieldportal.ModuleInvoices, "payment"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findPayment(ctx, v, id)
}

func (tx *Tx) findPayment(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Payment, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopePayment(v, "p")
	q.and("p.id = " + q.arg(id))
	p, err := scanPayment(tx.QueryRowContext(ctx, q.sql(`SELECT `+paymentColumns+` FROM payments p`, ""), q.args...))
	if err != nil {
		return nil, sqlErr(err, "payment")
	}
	return p, loadAllocations(ctx, tx, v, []*fieldportal.Payment{p})
}

// findPaymentByRef returns the payment recorded for a provider's reference.
func (d *DB) findPaymentByRef(ctx context.Context, v fieldportal.Viewer, provider, ref string) (*fieldportal.Payment, error) {
	var q query
	q.scopePayment(v, "p")
	q.and("p.provider = " + q.arg(provider))
	q.and("p.provider_ref = " + q.arg(ref))
	p, err := scanPayment(d.db.QueryRowContext(ctx, q.sql(`SELECT `+paymentColumns+` FROM payments p`, ""), q.args...))
	if err != nil {
		return nil, sqlErr(err, "payment")
	}
	return p, loadAllocations(ctx, d.db, v, []*fieldportal.Payment{p})
}

// loadAllocations fills the payments' allocations, keeping only those to
// invoices the viewer sees (SPEC §2.5: a payment shown to a contact with
// assigned sites must not reveal invoices of other sites).
func loadAllocations(ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, v fieldportal.Viewer, ps []*fieldportal.Payment) error {
	if len(ps) == 0 {
		return nil
	}
	var q query
	q.scopeSiteOrCustomer(v, "i")
	byID := map[string]*fieldportal.Payment{}
	ph := make([]string, len(ps))
	for n, p := range ps {
		byID[p.ID] = p
		p.Allocations = []fieldportal.PaymentAllocation{}
		ph[n] = q.arg(p.ID)
	}
	q.and("pa.payment_id IN (" + strings.Join(ph, ", ") + ")")
	rows, err := db.QueryContext(ctx, q.sql(`SELECT pa.payment_id, pa.invoice_id, pa.amount
		FROM payment_allocations pa JOIN invoices i ON i.id = pa.invoice_id`, "ORDER BY pa.payment_id, i.issue_date, i.id"), q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid string
		var a fieldportal.PaymentAllocation
		if err := rows.Scan(&pid, &a.InvoiceID, money(&a.Amount)); err != nil {
			return err
		}
		byID[pid].Allocations = append(byID[pid].Allocations, a)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// What was refunded, which the refunds took off the allocations: the
	// rest of the amount is what is unallocated.
	var rq query
	for n, p := range ps {
		p.Refunded = 0
		ph[n] = rq.arg(p.ID)
	}
	rq.and("pr.payment_id IN (" + strings.Join(ph, ", ") + ")")
	refunds, err := db.QueryContext(ctx, rq.sql(`SELECT pr.payment_id, CAST(sum(pr.amount) AS BIGINT) FROM payment_refunds pr`,
		"GROUP BY pr.payment_id"), rq.args...)
	if err != nil {
		return err
	}
	defer refunds.Close()
	for refunds.Next() {
		var pid string
		var sum fieldportal.Money
		if err := refunds.Scan(&pid, money(&sum)); err != nil {
			return err
		}
		byID[pid].Refunded = sum
	}
	return refunds.Err()
}

// FindPayments lists the payments the viewer sees, newest first
// (created_at DESC, id DESC); with UpdatedSince, (updated_at, id)
// ascending for API sync.
func (d *DB) FindPayments(ctx context.Context, v fieldportal.Viewer, f fieldportal.PaymentFilter) ([]*fieldportal.Payment, string, error) {
	if err := needModule(v, fieldportal.ModuleInvoices, "payment"); err != nil {
		return nil, "", err
	}
	var q query
	q.scopePayment(v, "p")
	if f.CustomerID != "" {
		q.and("p.customer_id = " + q.arg(f.CustomerID))
	}
	if f.ExternalID != "" {
		q.and("p.external_id = " + q.arg(f.ExternalID))
	}
	order, byUpdate := "p.created_at DESC, p.id DESC", !f.UpdatedSince.IsZero()
	if byUpdate {
		q.updatedSince("p.updated_at", f.UpdatedSince, f.Page.After)
		order = "p.updated_at, p.id"
		if err := q.keyset(f.After, false, "p.updated_at", "p.id"); err != nil {
			return nil, "", err
		}
	} else if err := q.keyset(f.After, true, "p.created_at", "p.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+paymentColumns+` FROM payments p`, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanPayment)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(p *fieldportal.Payment) string {
		if byUpdate {
			return cursor(p.UpdatedAt, p.ID)
		}
		return cursor(p.CreatedAt, p.ID)
	})
	if err := loadAllocations(ctx, d.db, v, list); err != nil {
		return nil, "", err
	}
	return list, next, nil
}
