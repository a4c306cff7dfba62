package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// Paying online (issue 17, point 3): a checkout fixes on the server which
// invoices are paid and how much; the provider's confirmation applies it
// once, keyed by the provider's payment reference.

// maxCheckoutInvoices bounds one checkout: a statement page's worth.
const maxCheckoutInvoices = 200

// StartCheckout records a contact's attempt to pay invoices online.
func (d *DB) StartCheckout(ctx context.Context, v fieldportal.Viewer, s fieldportal.StartCheckout) (*fieldportal.Checkout, error) {
	if err := needModule(v, fieldportal.ModuleInvoices, "invoice"); err != nil {
		return nil, err
	}
	if !v.IsContact() || !v.CanDo(fieldportal.ActionPayOnline) {
		return nil, fieldportal.NotFound("online payment")
	}
	var ids []string
	for _, id := range s.InvoiceIDs {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, fieldportal.FieldErrorf("invoice", "Choose at least one invoice to pay.")
	case len(ids) > maxCheckoutInvoices:
		return nil, fieldportal.FieldErrorf("invoice", "Pay at most %d invoices at once.", maxCheckoutInvoices)
	}
	c := &fieldportal.Checkout{ID: newID(), OrgID: v.OrgID, CustomerID: v.CustomerID, LoginID: v.LoginID,
		ContactID: v.ContactID, Provider: s.Provider, Status: fieldportal.CheckoutOpen, Back: s.Back}
	err := d.inTx(ctx, func(tx *Tx) error {
		var q query
		q.scopeSiteOrCustomer(v, "i")
		ph := make([]string, len(ids))
		for n, id := range ids {
			ph[n] = q.arg(id)
		}
		q.and("i.id IN (" + strings.Join(ph, ", ") + ")")
		rows, err := tx.QueryContext(ctx, q.sql(`SELECT i.id, i.number, i.total, i.amount_paid, i.status FROM invoices i`,
			"ORDER BY i.issue_date, i.id"), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var inv fieldportal.Invoice
			if err := rows.Scan(&inv.ID, &inv.Number, money(&inv.Total), money(&inv.AmountPaid), &inv.Status); err != nil {
				return err
			}
			if inv.Status == fieldportal.InvoiceVoid || inv.Balance() <= 0 {
				return fieldportal.FieldErrorf("invoice", "Invoice %s has nothing left to pay.", inv.Number)
			}
			c.Invoices = append(c.Invoices, fieldportal.CheckoutInvoice{InvoiceID: inv.ID, Number: inv.Number, Amount: inv.Balance()})
			c.Amount += inv.Balance()
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(c.Invoices) != len(ids) {
			// Out of reach is not found (SPEC §2.5), whichever it was.
			return fieldportal.FieldErrorf("invoice", "One of the invoices chosen was not found. Choose the invoices to pay again.")
		}
		var first, last string
		err = tx.QueryRowContext(ctx, `SELECT o.currency, c.first_name, c.last_name, c.email FROM organisations o
			JOIN contacts c ON c.org_id = o.id WHERE o.id = $1 AND c.id = $2`, v.OrgID, v.ContactID).
			Scan(&c.Currency, &first, &last, &c.Email)
		if err != nil {
			return sqlErr(err, "contact")
		}
		c.Name = strings.TrimSpace(first + " " + last)
		c.CreatedAt, c.UpdatedAt = tx.now, tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkouts (id, org_id, customer_id, login_id, contact_id, provider,
			currency, amount, status, back, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			c.ID, c.OrgID, c.CustomerID, c.LoginID, c.ContactID, c.Provider, c.Currency, c.Amount, c.Status, c.Back, tx.now); err != nil {
			return sqlErr(err, "checkout")
		}
		for _, ci := range c.Invoices {
			if _, err := tx.ExecContext(ctx, `INSERT INTO checkout_invoices (checkout_id, invoice_id, amount) VALUES ($1, $2, $3)`,
				c.ID, ci.InvoiceID, ci.Amount); err != nil {
				return sqlErr(err, "checkout invoice")
			}
		}
		return tx.audit(ctx, v, "checkout.started", "checkout", c.ID, fmt.Sprintf("%s %s, %d invoices", c.Currency, c.Amount, len(c.Invoices)))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// SetCheckoutPage keeps the provider's id of the checkout's hosted page.
func (d *DB) SetCheckoutPage(ctx context.Context, v fieldportal.Viewer, checkoutID, providerID string) error {
	return d.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE checkouts SET provider_id = $3, updated_at = $4
			WHERE id = $1 AND org_id = $2 AND login_id = $5`, checkoutID, v.OrgID, providerID, tx.now, v.LoginID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fieldportal.NotFound("checkout")
		}
		return nil
	})
}

const checkoutColumns = `k.id, k.org_id, k.customer_id, k.login_id, k.contact_id, k.provider, k.provider_id, k.currency,
	k.amount, k.status, k.back, k.payment_id, k.receipt_number, k.created_at, k.updated_at, c.first_name, c.last_name, c.email,
	k.quote_id, k.signer_name, k.signed_from, k.accept_comment, k.portal_url, k.quote_version, k.expires_at`

// findCheckout reads a checkout of v's organisation with its invoices; a
// contact sees only its own.
func (tx *Tx) findCheckout(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Checkout, error) {
	var c fieldportal.Checkout
	var first, last string
	err := tx.QueryRowContext(ctx, `SELECT `+checkoutColumns+` FROM checkouts k JOIN contacts c ON c.id = k.contact_id
		WHERE k.id = $1 AND k.org_id = $2 AND ($3 = '' OR k.login_id = $3)`, id, v.OrgID, contactLogin(v)).
		Scan(&c.ID, &c.OrgID, &c.CustomerID, &c.LoginID, &c.ContactID, &c.Provider, &c.ProviderID, &c.Currency,
			money(&c.Amount), &c.Status, &c.Back, str(&c.PaymentID), &c.ReceiptNumber, tm(&c.CreatedAt), tm(&c.UpdatedAt),
			&first, &last, &c.Email, str(&c.QuoteID), &c.SignerName, &c.SignedFrom, &c.AcceptComment, &c.PortalURL, &c.QuoteVersion, tm(&c.ExpiresAt))
	if err != nil {
		return nil, sqlErr(err, "checkout")
	}
	c.Name = strings.TrimSpace(first + " " + last)
	rows, err := tx.QueryContext(ctx, `SELECT ci.invoice_id, i.number, ci.amount FROM checkout_invoices ci
		JOIN invoices i ON i.id = ci.invoice_id WHERE ci.checkout_id = $1 ORDER BY ci.invoice_id`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ci fieldportal.CheckoutInvoice
		if err := rows.Scan(&ci.InvoiceID, &ci.Number, money(&ci.Amount)); err != nil {
			return nil, err
		}
		c.Invoices = append(c.Invoices, ci)
	}
	return &c, rows.Err()
}

// contactLogin is the login a contact's checkouts must be of; "" for
// staff and the system, who see the organisation's.
func contactLogin(v fieldportal.Viewer) string {
	switch {
	case v.SeesWholeOrg():
		return ""
	case v.IsContact() && v.LoginID != "":
		return v.LoginID
	}
	return "-" // nobody signed in: matches no checkout
}

// FindCheckout returns a checkout of the viewer.
func (d *DB) FindCheckout(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Checkout, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findCheckout(ctx, v, id)
}

// errRefusedApply rolls back a confirmation refused part way through.
var errRefusedApply = errors.New("checkout confirmation refused")

// ConfirmCheckout applies a provider's confirmation of a checkout once.
func (d *DB) ConfirmCheckout(ctx context.Context, v fieldportal.Viewer, provider string, o fieldportal.CheckoutOutcome) (*fieldportal.Checkout, error) {
	var c *fieldportal.Checkout
	var refused string
	// A deposit's confirmation completes its quote's acceptance, which
	// mails the office and dates it in the organisation's time zone.
	settings, err := d.FindSettings(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	orgNow, err := d.orgNow(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		// Lock the checkout first (PostgreSQL): the webhook and the return
		// page confirming at once take turns, and the second finds it paid.
		if _, err := tx.ExecContext(ctx, `UPDATE checkouts SET updated_at = updated_at WHERE id = $1 AND org_id = $2`,
			o.CheckoutID, v.OrgID); err != nil {
			return err
		}
		var err error
		if c, err = tx.findCheckout(ctx, v, o.CheckoutID); fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			refused = "no such checkout in this organisation"
			return nil
		} else if err != nil {
			return err
		}
		switch {
		case c.Status == fieldportal.CheckoutPaid:
			return nil // applied before: the same confirmation again changes nothing
		case !o.Paid:
			return nil // not paid (yet): nothing to apply
		case c.Status == fieldportal.CheckoutRefused:
			refused = "the checkout was refused before"
		case c.Provider != provider:
			refused = fmt.Sprintf("confirmed by %s, started with %s", provider, c.Provider)
		case o.Amount != c.Amount || !strings.EqualFold(o.Currency, c.Currency):
			refused = fmt.Sprintf("confirmed %s %s, checkout is %s %s", o.Currency, o.Amount, c.Currency, c.Amount)
		case o.PaymentRef == "":
			refused = "the confirmation has no payment reference"
		}
		if refused != "" {
			return nil
		}
		if c.QuoteID != "" {
			return tx.applyDeposit(ctx, c, o, settings, orgNow)
		}
		err = tx.applyCheckout(ctx, c, o)
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			// An invoice the checkout fixed is no longer of the payer's
			// customers (moved since): refused and logged like a mismatch,
			// after this transaction's writes are rolled back.
			refused = "an invoice is out of the payer's reach now: " + fieldportal.ErrorMessage(err)
			return errRefusedApply
		}
		return err
	})
	if errors.Is(err, errRefusedApply) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if refused != "" {
		return nil, d.refuseCheckout(ctx, v, provider, o, refused)
	}
	return c, nil
}

// ApplyPaymentEvent applies a provider's signed event as the program.
func (d *DB) ApplyPaymentEvent(ctx context.Context, orgID, provider string, ev fieldportal.PaymentEvent) error {
	sys := fieldportal.SystemViewer(orgID, provider+" webhook")
	switch {
	case ev.Checkout != nil:
		_, err := d.ConfirmCheckout(ctx, sys, provider, *ev.Checkout)
		return err
	case ev.CardSetup != nil && ev.CardSetup.Done:
		_, err := d.ConfirmCardSetup(ctx, sys, *ev.CardSetup)
		return err
	}
	return nil
}

// applyCheckout records the payment of a confirmed checkout, allocated to
// its invoices as far as they still owe (one paid meanwhile gets only
// what is due; the rest stays unallocated, for staff to see), and queues
// the receipt and the payment.succeeded event.
func (tx *Tx) applyCheckout(ctx context.Context, c *fieldportal.Checkout, o fieldportal.CheckoutOutcome) error {
	sys := fieldportal.SystemViewer(c.OrgID, "online payment")
	p := fieldportal.Payment{CustomerID: c.CustomerID, Amount: o.Amount, Currency: c.Currency, Method: "card",
		Provider: c.Provider, ProviderRef: o.PaymentRef, Status: fieldportal.PaymentSucceeded, PaidBy: c.ContactID}
	var allocated fieldportal.Money
	for _, ci := range c.Invoices { // in invoice id order, as every payment locks them
		var inv fieldportal.Invoice
		err := tx.QueryRowContext(ctx, `UPDATE invoices SET updated_at = updated_at WHERE id = $1 AND org_id = $2
			RETURNING total, amount_paid, status`, ci.InvoiceID, c.OrgID).Scan(money(&inv.Total), money(&inv.AmountPaid), &inv.Status)
		if err != nil {
			return sqlErr(err, "invoice")
		}
		due := min(ci.Amount, inv.Balance())
		if inv.Status == fieldportal.InvoiceVoid || due <= 0 {
			continue
		}
		p.Allocations = append(p.Allocations, fieldportal.PaymentAllocation{InvoiceID: ci.InvoiceID, Amount: due})
		allocated += due
	}
	dup, err := tx.recordPayment(ctx, sys, &p)
	if err != nil {
		return err
	}
	if dup {
		// The reference paid another checkout: never apply money twice.
		return fieldportal.Errorf(fieldportal.ECONFLICT, "This payment was already applied to another checkout.")
	}
	if rest := o.Amount - allocated; rest > 0 {
		if err := tx.audit(ctx, sys, "payment.unallocated", "payment", p.ID,
			fmt.Sprintf("%s: %s %s received for invoices paid meanwhile, not allocated", p.ReceiptNumber, c.Currency, rest)); err != nil {
			return err
		}
	}
	return tx.checkoutPaid(ctx, c, o, &p)
}

// checkoutPaid marks a checkout paid by p and queues the receipt, the
// payment.succeeded event and the audit entry.
func (tx *Tx) checkoutPaid(ctx context.Context, c *fieldportal.Checkout, o fieldportal.CheckoutOutcome, p *fieldportal.Payment) error {
	sys := fieldportal.SystemViewer(c.OrgID, "online payment")
	c.Status, c.PaymentID, c.ReceiptNumber, c.UpdatedAt = fieldportal.CheckoutPaid, p.ID, p.ReceiptNumber, tx.now
	if o.ProviderID != "" {
		c.ProviderID = o.ProviderID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE checkouts SET status = $2, payment_id = $3, receipt_number = $4,
		provider_id = $5, updated_at = $6 WHERE id = $1`, c.ID, c.Status, c.PaymentID, c.ReceiptNumber, c.ProviderID, tx.now); err != nil {
		return err
	}
	wants := true
	if c.ContactID != "" {
		// The payer may have turned receipts off (issue 20).
		if err := tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM contact_mail_off WHERE contact_id = $1 AND kind = $2)`,
			c.ContactID, fieldportal.MailReceipt).Scan(&wants); err != nil {
			return err
		}
	}
	if c.Email != "" && wants {
		var orgName string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, c.OrgID).Scan(&orgName); err != nil {
			return sqlErr(err, "organisation")
		}
		m := mail.Receipt(orgName, c.Name, p.ReceiptNumber, c.Currency+" "+p.Amount.String())
		m.To = c.Email
		if err := tx.enqueue(ctx, mail.Outbox(c.OrgID, "receipt", m)); err != nil {
			return err
		}
	}
	// A checkout is paid in the portal, whether the return page or the
	// provider's own webhook confirms it (the system's viewer then).
	if err := tx.emitEventFrom(ctx, fieldportal.SourcePortal, c.OrgID, "payment.succeeded", p); err != nil {
		return err
	}
	if err := tx.audit(ctx, sys, "checkout.paid", "checkout", c.ID, p.ReceiptNumber); err != nil {
		return err
	}
	if tx.db.beforeCheckoutCommit != nil {
		return tx.db.beforeCheckoutCommit()
	}
	return nil
}

// refuseCheckout records a confirmation that was not applied: in the
// audit log (and the process log), and on the checkout if it is one of
// the organisation's, so staff see the attempt. It answers the refusal.
func (d *DB) refuseCheckout(ctx context.Context, v fieldportal.Viewer, provider string, o fieldportal.CheckoutOutcome, why string) error {
	d.logger.WarnContext(ctx, "payment confirmation refused", "org", v.OrgID, "checkout", o.CheckoutID,
		"provider", provider, "provider_id", o.ProviderID, "payment_ref", o.PaymentRef, "reason", why)
	sys := fieldportal.SystemViewer(v.OrgID, "online payment")
	err := d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE checkouts SET status = 'refused', updated_at = $3
			WHERE id = $1 AND org_id = $2 AND status = 'open' AND ($4 = '' OR login_id = $4)`,
			o.CheckoutID, v.OrgID, tx.now, contactLogin(v)); err != nil {
			return err
		}
		return tx.audit(ctx, sys, "checkout.refused", "checkout", o.CheckoutID,
			fmt.Sprintf("%s %s (payment %s): %s", provider, o.ProviderID, o.PaymentRef, why))
	})
	if err != nil {
		return err
	}
	return fieldportal.Errorf(fieldportal.EINVALID, "This payment confirmation does not match a checkout and was not applied.")
}
