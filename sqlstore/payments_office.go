package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// The office's side of payments (issue 17, point 5): money taken by hand,
// refunds, and the console's list of every payment.

// RecordManualPayment records money the office took (cheque, transfer,
// cash), allocated to invoices of the customer each within its balance
// (applyToInvoice refuses more, and a void invoice), with the receipt
// mail and payment.succeeded in the same transaction.
func (d *DB) RecordManualPayment(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment, reference string) error {
	if err := needStaff(v); err != nil {
		return err
	}
	p.Status, p.Provider, p.ProviderRef, p.ReceiptNumber = fieldportal.PaymentSucceeded, "", "", ""
	reference = strings.TrimSpace(reference)
	if err := fieldportal.ValidateManualPayment(p); err != nil {
		return err
	}
	if len(reference) > 100 {
		return fieldportal.FieldErrorf("reference", "Reference must be at most 100 characters.")
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.recordPayment(ctx, v, p); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET reference = $2 WHERE id = $1`, p.ID, reference); err != nil {
			return err
		}
		p.Reference = reference
		for _, a := range p.Allocations {
			if err := tx.audit(ctx, v, "invoice.payment_allocated", "invoice", a.InvoiceID,
				p.ReceiptNumber+": "+a.Amount.String()); err != nil {
				return err
			}
		}
		if err := tx.mailReceipt(ctx, p); err != nil {
			return err
		}
		return tx.emitEvent(ctx, v, p.OrgID, "payment.succeeded", p)
	})
}

// mailReceipt queues the receipt of a payment to the invoice contacts of
// its customer and those above it whose login reaches every site (a
// receipt may settle invoices of several sites).
func (tx *Tx) mailReceipt(ctx context.Context, p *fieldportal.Payment) error {
	var orgName string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, p.OrgID).Scan(&orgName); err != nil {
		return sqlErr(err, "organisation")
	}
	if ok, err := tx.orgUses(ctx, p.OrgID, fieldportal.ModuleInvoices); err != nil || !ok {
		return err
	}
	to, err := tx.portalRecipients(ctx, p.OrgID, "", p.CustomerID, fieldportal.ModuleInvoices,
		`c.invoice_contact = TRUE AND c.customer_id IN
			(SELECT ct.ancestor_id FROM customer_tree ct WHERE ct.customer_id = $3 AND ct.org_id = $1)`+wantsMail(fieldportal.MailReceipt), p.CustomerID)
	if err != nil {
		return err
	}
	for _, r := range to {
		m := mail.Receipt(orgName, r.name, p.ReceiptNumber, p.Currency+" "+p.Amount.String())
		m.To = r.email
		if err := tx.enqueue(ctx, mail.Outbox(p.OrgID, "receipt", m)); err != nil {
			return err
		}
	}
	return nil
}

const paymentRowFrom = ` FROM payments p JOIN customers cu ON cu.id = p.customer_id`

// refundedSum is how much of payment p has been refunded.
const refundedSum = `(SELECT COALESCE(CAST(sum(pr.amount) AS BIGINT), 0) FROM payment_refunds pr WHERE pr.payment_id = p.id)`

// FindPaymentRows lists payments for the console, newest first (the
// payments_created index and its method, provider and status siblings).
func (d *DB) FindPaymentRows(ctx context.Context, v fieldportal.Viewer, f fieldportal.PaymentFilter) ([]*fieldportal.PaymentRow, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	var q query
	q.scopePayment(v, "p")
	if f.CustomerID != "" {
		q.and("p.customer_id = " + q.arg(f.CustomerID))
	}
	if f.Method != "" {
		q.and("p.method = " + q.arg(f.Method))
	}
	if f.Provider != "" || f.ByOffice {
		q.and("p.provider = " + q.arg(f.Provider))
	}
	if f.Status != "" {
		q.and("p.status = " + q.arg(string(f.Status)))
	}
	if err := q.keyset(f.After, true, "p.created_at", "p.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+paymentColumns+`, cu.name, `+refundedSum+paymentRowFrom,
		"ORDER BY p.created_at DESC, p.id DESC"+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, func(row interface{ Scan(...any) error }) (*fieldportal.PaymentRow, error) {
		var r fieldportal.PaymentRow
		p := &r.Payment
		err := row.Scan(&p.ID, &p.OrgID, str(&p.ExternalID), &p.CustomerID, money(&p.Amount), &p.Currency, &p.Method,
			&p.Provider, str(&p.ProviderRef), &p.ReceiptNumber, &p.Status, tm(&p.PaidAt), str(&p.PaidBy),
			tm(&p.CreatedAt), tm(&p.UpdatedAt), &p.Reference, &r.CustomerName, money(&r.Refunded))
		return &r, err
	})
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(r *fieldportal.PaymentRow) string { return cursor(r.CreatedAt, r.ID) })
	ps := make([]*fieldportal.Payment, len(list))
	for i, r := range list {
		ps[i] = &r.Payment
	}
	return list, next, loadAllocations(ctx, d.db, v, ps)
}

// FindPaymentRefunds lists a payment's refunds, oldest first.
func (d *DB) FindPaymentRefunds(ctx context.Context, v fieldportal.Viewer, paymentID string) ([]*fieldportal.PaymentRefund, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+refundColumns+` FROM payment_refunds
		WHERE payment_id = $1 AND org_id = $2 ORDER BY created_at, id`, paymentID, v.OrgID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRefund)
}

const refundColumns = `id, payment_id, amount, reason, refund_ref, refund_key, created_by, created_at`

func scanRefund(row interface{ Scan(...any) error }) (*fieldportal.PaymentRefund, error) {
	var r fieldportal.PaymentRefund
	err := row.Scan(&r.ID, &r.PaymentID, money(&r.Amount), &r.Reason, str(&r.RefundRef), &r.Key, &r.By, tm(&r.CreatedAt))
	return &r, err
}

// RefundPayment records a refund of a succeeded payment and gives its
// invoices their balances back: the refund is taken first from what the
// payment left unallocated, then from its allocations, newest invoice
// first. A refund of the whole payment marks it refunded. The refund's
// key makes it once: a form sent twice, even at once (the payment's row
// is locked first), finds the first refund and changes nothing.
func (d *DB) RefundPayment(ctx context.Context, v fieldportal.Viewer, r *fieldportal.PaymentRefund) (created bool, err error) {
	if err := needStaff(v); err != nil {
		return false, err
	}
	r.Reason = strings.TrimSpace(r.Reason)
	err = d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET updated_at = updated_at WHERE id = $1 AND org_id = $2`, r.PaymentID, v.OrgID); err != nil {
			return err
		}
		old, err := scanRefund(tx.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM payment_refunds
			WHERE org_id = $1 AND refund_key = $2`, v.OrgID, r.Key))
		if err == nil {
			if old.PaymentID != r.PaymentID {
				return fieldportal.FieldErrorf("key", "The form is out of date; open it again.")
			}
			*r = *old
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		p, err := tx.findPayment(ctx, v, r.PaymentID)
		if err != nil {
			return err
		}
		if p.Status != fieldportal.PaymentSucceeded {
			return fieldportal.FieldErrorf("amount", "Only a payment received can be refunded; this one is %s.", p.Status)
		}
		var refunded fieldportal.Money
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(CAST(sum(amount) AS BIGINT), 0) FROM payment_refunds WHERE payment_id = $1`,
			p.ID).Scan(money(&refunded)); err != nil {
			return err
		}
		if err := r.Validate(p.Amount - refunded); err != nil {
			return err
		}
		if err := tx.reverseForRefund(ctx, v, p, refunded, r.Amount); err != nil {
			return err
		}
		r.ID, r.By, r.CreatedAt = newID(), changedBy(v), tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO payment_refunds (id, org_id, payment_id, amount, reason, refund_ref,
			refund_key, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.ID, v.OrgID, p.ID, r.Amount, r.Reason, nullStr(r.RefundRef), r.Key, r.By, tx.now); err != nil {
			return sqlErr(err, "refund")
		}
		if refunded+r.Amount == p.Amount {
			p.Status = fieldportal.PaymentRefunded
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET status = $2, updated_at = $3 WHERE id = $1`, p.ID, p.Status, tx.now); err != nil {
			return err
		}
		created = true
		if err := tx.emitEvent(ctx, v, v.OrgID, "payment.refunded", map[string]any{"payment_id": p.ID,
			"receipt_number": p.ReceiptNumber, "amount": r.Amount, "currency": p.Currency, "refund_ref": r.RefundRef}); err != nil {
			return err
		}
		return tx.audit(ctx, v, "payment.refunded", "payment", p.ID, p.ReceiptNumber+": "+r.Amount.String()+", "+r.Reason)
	})
	return created, err
}

// reverseForRefund takes amount of payment p (of which refunded is
// already given back) off its allocations: first from what the payment
// left unallocated, then newest invoice first. Each invoice's amount paid
// goes down by what is taken from its allocation, in the invoices' one
// lock order (byInvoice).
func (tx *Tx) reverseForRefund(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment, refunded, amount fieldportal.Money) error {
	var allocated fieldportal.Money
	for _, a := range p.Allocations {
		allocated += a.Amount
	}
	rest := amount - max(0, p.Amount-refunded-allocated)
	var cuts []fieldportal.PaymentAllocation
	for _, a := range slices.Backward(p.Allocations) {
		if rest <= 0 {
			break
		}
		cut := min(rest, a.Amount)
		rest -= cut
		cuts = append(cuts, fieldportal.PaymentAllocation{InvoiceID: a.InvoiceID, Amount: cut})
	}
	for _, c := range byInvoice(cuts) {
		if _, err := tx.ExecContext(ctx, `UPDATE payment_allocations SET amount = amount - $3 WHERE payment_id = $1 AND invoice_id = $2`,
			p.ID, c.InvoiceID, c.Amount); err != nil {
			return err
		}
		if err := tx.applyToInvoice(ctx, c.InvoiceID, -c.Amount); err != nil {
			return err
		}
		if err := tx.audit(ctx, v, "invoice.refund_reversed", "invoice", c.InvoiceID, p.ReceiptNumber+": "+c.Amount.String()); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM payment_allocations WHERE payment_id = $1 AND amount <= 0`, p.ID)
	return err
}

// UpdatePaymentReference saves what may change of a recorded payment, its
// external id and its payer's reference, under p.IfUpdatedAt; its amount,
// method, customer and allocations stay as recorded (money has one source
// of truth: a change of those is a refund). p is filled as now stored.
func (d *DB) UpdatePaymentReference(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) error {
	if err := needStaff(v); err != nil {
		return err
	}
	p.Reference = strings.TrimSpace(p.Reference)
	if len(p.Reference) > 100 {
		return fieldportal.FieldErrorf("reference", "Reference must be at most 100 characters.")
	}
	return d.inTx(ctx, func(tx *Tx) error {
		old, err := tx.findPayment(ctx, v, p.ID)
		if err != nil {
			return err
		}
		args := []any{p.ID, nullStr(p.ExternalID), p.Reference, tx.now}
		res, err := tx.ExecContext(ctx, `UPDATE payments SET external_id = $2, reference = $3, updated_at = $4
			WHERE id = $1`+ifUnchanged(&args, p.IfUpdatedAt), args...)
		if err == nil {
			err = checkUnchanged(res, p.IfUpdatedAt)
		}
		if err != nil {
			return sqlErr(err, "payment")
		}
		ext, ref := p.ExternalID, p.Reference
		*p = *old
		p.ExternalID, p.Reference, p.UpdatedAt = ext, ref, tx.now
		return tx.audit(ctx, v, "payment.updated", "payment", p.ID, p.ReceiptNumber)
	})
}
