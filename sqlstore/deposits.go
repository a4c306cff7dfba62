package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Deposits (issue 22, point 5). Accepting a quote that asks for a deposit
// starts a checkout of the deposit that keeps the acceptance; the
// provider's confirmation goes through ConfirmCheckout like any other
// (once, keyed by the provider's ids), records the payment on account,
// linked to the quote, allocates it to the job's open invoices if there
// are any, and only then accepts the quote. An invoice raised for the job
// later takes what is left of it (allocateDeposits).

// StartDepositCheckout records a quote contact's acceptance of a quote
// asking for a deposit, pending the deposit's payment. The quote is
// checked as DecideQuote checks it (reach, the quote role, stage,
// version, validity) and stays outstanding.
func (d *DB) StartDepositCheckout(ctx context.Context, v fieldportal.Viewer, s fieldportal.StartDeposit) (*fieldportal.Checkout, error) {
	if err := needModule(v, fieldportal.ModuleQuotes, "quote"); err != nil {
		return nil, err
	}
	if !v.IsContact() || v.LoginID == "" {
		return nil, fieldportal.NotFound("online payment")
	}
	dec := s.Decision
	dec.Accept = true
	if err := dec.Validate(); err != nil {
		return nil, err
	}
	orgNow, err := d.orgNow(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	c := &fieldportal.Checkout{ID: newID(), OrgID: v.OrgID, CustomerID: v.CustomerID, LoginID: v.LoginID,
		ContactID: v.ContactID, Provider: s.Provider, Status: fieldportal.CheckoutOpen, QuoteID: s.QuoteID,
		SignerName: strings.TrimSpace(dec.SignerName), SignedFrom: dec.From, AcceptComment: strings.TrimSpace(dec.Comment),
		PortalURL: dec.PortalURL}
	err = d.inTx(ctx, func(tx *Tx) error {
		x, err := tx.findQuote(ctx, v, s.QuoteID)
		if err != nil {
			return err
		}
		if !v.QuoteContact {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only your quote contacts can accept or decline quotes. Ask one of them, or the office, to change your roles.")
		}
		switch {
		case x.Stage != fieldportal.QuoteOutstanding:
			return fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s is %s, so it can no longer be accepted.", x.Number, x.Stage)
		case dec.Version != "" && dec.Version != x.Version():
			return fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s has changed since you opened it, so it was not accepted. Read it again as it now stands before you answer.", x.Number)
		case !x.ValidUntil.IsZero() && x.ValidUntil.Before(fieldportal.DateOf(orgNow)):
			return fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s expired on %s, so it can no longer be accepted. Ask us for a new quote.",
				x.Number, x.ValidUntil.Format("2 January 2006"))
		case x.Deposit() <= 0:
			return fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s asks for no deposit: accept it without paying.", x.Number)
		}
		if err := tx.refuseAcceptAtArchivedSite(ctx, x); err != nil {
			return err
		}
		// The payer's customer is the quote's: the payment is on its account.
		c.CustomerID, c.Amount, c.Back = x.CustomerID, x.Deposit(), "/quotes/"+x.ID
		// The version signed for: the confirmation accepts this one only.
		c.QuoteVersion = x.Version()
		// It lapses within a day, and with the quote's last valid day, so
		// no page pays for a quote nobody checked since (the provider's
		// page refuses payment after it).
		c.ExpiresAt = tx.now.Add(fieldportal.DepositCheckoutLapse)
		if !x.ValidUntil.IsZero() {
			if end := x.ValidUntil.AddDays(1).In(orgNow.Location()).UTC(); end.Before(c.ExpiresAt) {
				c.ExpiresAt = end
			}
		}
		// Two tabs, or a page opened again: the payer's open checkout of
		// this quote as signed is used again, so the deposit is paid once
		// (the provider's page and payment reference are the checkout's).
		if open, err := tx.openDepositCheckout(ctx, v, c); err != nil || open != nil {
			if open != nil {
				c = open
			}
			return err
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
			currency, amount, status, back, created_at, updated_at, quote_id, signer_name, signed_from, accept_comment, portal_url,
			quote_version, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17, $18)`,
			c.ID, c.OrgID, c.CustomerID, c.LoginID, c.ContactID, c.Provider, c.Currency, c.Amount, c.Status, c.Back, tx.now,
			c.QuoteID, c.SignerName, c.SignedFrom, c.AcceptComment, c.PortalURL, c.QuoteVersion, c.ExpiresAt); err != nil {
			return sqlErr(err, "checkout")
		}
		return tx.audit(ctx, v, "quote.accept_pending", "quote", x.ID,
			fmt.Sprintf("%s signed by %s, deposit %s %s to pay (checkout %s)", x.Number, c.SignerName, c.Currency, c.Amount, c.ID))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// reuseLeast is the least time a checkout must have left to be used
// again: one about to lapse is not (the payer would get a page that
// closes at once, and Stripe's page is asked for again with the same
// parameters only while its expiry is one it accepts, 30 minutes on).
const reuseLeast = time.Hour

// openDepositCheckout finds the payer's open checkout of the deposit that
// c would start (same login, provider, quote version and amount) with an
// hour or more left (reuseLeast), keeps the acceptance now typed on it,
// and returns it; nil when there is none. Another contact's open checkout is not taken: each
// payer pays on its own page, and a second deposit confirmed for a quote
// already accepted is kept apart (applyDeposit).
func (tx *Tx) openDepositCheckout(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Checkout) (*fieldportal.Checkout, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM checkouts WHERE quote_id = $1 AND org_id = $2 AND login_id = $3
		AND provider = $4 AND quote_version = $5 AND amount = $6 AND status = 'open' AND expires_at > $7
		ORDER BY created_at DESC, id DESC LIMIT 1`, c.QuoteID, c.OrgID, c.LoginID, c.Provider, c.QuoteVersion, c.Amount,
		tx.now.Add(reuseLeast)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE checkouts SET signer_name = $2, signed_from = $3, accept_comment = $4,
		portal_url = $5, updated_at = $6 WHERE id = $1`, id, c.SignerName, c.SignedFrom, c.AcceptComment, c.PortalURL, tx.now); err != nil {
		return nil, err
	}
	open, err := tx.findCheckout(ctx, v, id)
	if err != nil {
		return nil, err
	}
	return open, tx.audit(ctx, v, "quote.accept_pending", "quote", c.QuoteID,
		fmt.Sprintf("signed again by %s, deposit %s %s to pay (checkout %s, open, used again)", c.SignerName, c.Currency, c.Amount, id))
}

// depositAllocations allocates amount to the open invoices of the jobs of
// quoteID that are the payer's customer's (customerID: the quote's), in
// invoice id order (every payment locks invoices in that order), each up
// to its balance. A job of another customer naming the quote never takes
// the money: it stays on account, for staff to settle.
func (tx *Tx) depositAllocations(ctx context.Context, orgID, customerID, quoteID string, amount fieldportal.Money) ([]fieldportal.PaymentAllocation, error) {
	rows, err := tx.QueryContext(ctx, `SELECT i.id FROM invoices i JOIN jobs j ON j.id = i.job_id
		WHERE j.quote_id = $1 AND i.org_id = $2 AND i.customer_id = $3 AND i.status <> 'void' AND i.amount_paid < i.total
		ORDER BY i.id`, quoteID, orgID, customerID)
	if err != nil {
		return nil, err
	}
	ids, err := collect(rows, func(row interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, row.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	var out []fieldportal.PaymentAllocation
	for _, id := range ids {
		if amount <= 0 {
			break
		}
		var inv fieldportal.Invoice
		if err := tx.QueryRowContext(ctx, `UPDATE invoices SET updated_at = updated_at WHERE id = $1
			RETURNING total, amount_paid, status`, id).Scan(money(&inv.Total), money(&inv.AmountPaid), &inv.Status); err != nil {
			return nil, sqlErr(err, "invoice")
		}
		if due := min(amount, inv.Balance()); due > 0 {
			out = append(out, fieldportal.PaymentAllocation{InvoiceID: id, Amount: due})
			amount -= due
		}
	}
	return out, nil
}

// allocateDeposits allocates what is left on account of the deposits paid
// for the quote of an invoice's job to the invoice, up to its balance, so
// the invoice shows them deducted. Its amount paid stays the sum of its
// allocations (applyToInvoice). Only the deposits of the invoice's own
// customer are taken: a job of another customer that names the quote
// gets none of its money.
func (tx *Tx) allocateDeposits(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	if inv.JobID == "" || inv.Status == fieldportal.InvoiceVoid {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.id FROM payments p JOIN jobs j ON j.quote_id = p.quote_id
		WHERE j.id = $1 AND p.org_id = $2 AND p.customer_id = $3 AND p.status = 'succeeded' ORDER BY p.id`,
		inv.JobID, inv.OrgID, inv.CustomerID)
	if err != nil {
		return err
	}
	ids, err := collect(rows, func(row interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, row.Scan(&id)
	})
	if err != nil {
		return err
	}
	type left struct {
		id, receipt string
		amount      fieldportal.Money
	}
	var list []left
	for _, id := range ids {
		// Locked first (PostgreSQL): two invoices raised at once for the
		// job take turns, and the second sees what the first took.
		// The remainder is read by a statement of its own, after the lock.
		l := left{id: id}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET updated_at = updated_at WHERE id = $1`, id); err != nil {
			return err
		}
		// What a refund gave back is not on account either (RefundPayment
		// takes a refund from the unallocated part first).
		if err := tx.QueryRowContext(ctx, `SELECT receipt_number, amount - COALESCE((SELECT SUM(pa.amount)
			FROM payment_allocations pa WHERE pa.payment_id = p.id), 0) - `+refundedSum+` FROM payments p WHERE p.id = $1`,
			id).Scan(&l.receipt, money(&l.amount)); err != nil {
			return sqlErr(err, "payment")
		}
		list = append(list, l)
	}
	for _, l := range list {
		var total, paid fieldportal.Money
		if err := tx.QueryRowContext(ctx, `SELECT total, amount_paid FROM invoices WHERE id = $1`, inv.ID).
			Scan(money(&total), money(&paid)); err != nil {
			return sqlErr(err, "invoice")
		}
		if total-paid <= 0 {
			break
		}
		amount := min(l.amount, total-paid)
		if amount <= 0 {
			continue // this deposit is used up; the next may not be
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO payment_allocations (payment_id, invoice_id, org_id, amount)
			VALUES ($1, $2, $3, $4) ON CONFLICT (payment_id, invoice_id) DO UPDATE SET amount = payment_allocations.amount + EXCLUDED.amount`,
			l.id, inv.ID, inv.OrgID, amount); err != nil {
			return sqlErr(err, "payment allocation")
		}
		if err := tx.applyToInvoice(ctx, inv.ID, amount); err != nil {
			return err
		}
		if err := tx.audit(ctx, v, "deposit.allocated", "payment", l.id,
			fmt.Sprintf("%s: %s allocated to invoice %s", l.receipt, amount, inv.Number)); err != nil {
			return err
		}
	}
	return tx.QueryRowContext(ctx, `SELECT amount_paid, status FROM invoices WHERE id = $1`, inv.ID).
		Scan(money(&inv.AmountPaid), &inv.Status)
}

// releaseDeposits takes the allocations of deposit payments (those with a
// quote) off an invoice being voided and gives the invoice its amount
// back: the deposit is on account again, still linked to its quote, and
// allocateDeposits gives it to the job's next invoice. Allocations are
// money's one source of truth, so nothing else is written: the deposit's
// on-account part is what its allocations and refunds leave.
func (tx *Tx) releaseDeposits(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	rows, err := tx.QueryContext(ctx, `SELECT pa.payment_id, p.receipt_number, pa.amount FROM payment_allocations pa
		JOIN payments p ON p.id = pa.payment_id WHERE pa.invoice_id = $1 AND p.quote_id IS NOT NULL ORDER BY pa.payment_id`, inv.ID)
	if err != nil {
		return err
	}
	type released struct {
		id, receipt string
		amount      fieldportal.Money
	}
	list, err := collect(rows, func(row interface{ Scan(...any) error }) (released, error) {
		var r released
		return r, row.Scan(&r.id, &r.receipt, money(&r.amount))
	})
	if err != nil {
		return err
	}
	for _, r := range list {
		if _, err := tx.ExecContext(ctx, `DELETE FROM payment_allocations WHERE payment_id = $1 AND invoice_id = $2`, r.id, inv.ID); err != nil {
			return err
		}
		if err := tx.applyToInvoice(ctx, inv.ID, -r.amount); err != nil {
			return err
		}
		if err := tx.audit(ctx, v, "deposit.released", "payment", r.id,
			fmt.Sprintf("%s: %s released from invoice %s (voided), back on account for the job", r.receipt, r.amount, inv.Number)); err != nil {
			return err
		}
	}
	if len(list) == 0 {
		return nil
	}
	// The invoice as it now stands, for the void's checks.
	return tx.QueryRowContext(ctx, `SELECT amount_paid, status FROM invoices WHERE id = $1`, inv.ID).
		Scan(money(&inv.AmountPaid), &inv.Status)
}

// FindDeposits lists the deposits paid for a quote, or for the quote of a
// job, the viewer reaches (out of reach is not found).
func (d *DB) FindDeposits(ctx context.Context, v fieldportal.Viewer, f fieldportal.DepositFilter) ([]*fieldportal.DepositPayment, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// The payer's customer: a job lists only its own customer's deposits
	// (one of another customer that names the quote lists none).
	var quoteID, customerID string
	switch {
	case f.JobID != "":
		j, err := tx.findJob(ctx, v, f.JobID)
		if err != nil {
			return nil, err
		}
		if err := needModule(v, j.Kind.Module(), "job"); err != nil {
			return nil, err
		}
		if j.QuoteID == "" {
			return []*fieldportal.DepositPayment{}, nil
		}
		quoteID, customerID = j.QuoteID, j.CustomerID
	case f.QuoteID != "":
		if err := needModule(v, fieldportal.ModuleQuotes, "quote"); err != nil {
			return nil, err
		}
		x, err := tx.findQuote(ctx, v, f.QuoteID)
		if err != nil {
			return nil, err
		}
		quoteID, customerID = x.ID, x.CustomerID
	default:
		return nil, fieldportal.NotFound("quote")
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.id, p.receipt_number, q.id, q.number, COALESCE(j.id, ''), COALESCE(j.number, ''),
			p.currency, p.amount, COALESCE((SELECT SUM(pa.amount) FROM payment_allocations pa WHERE pa.payment_id = p.id), 0),
			`+refundedSum+`, p.paid_at
		FROM payments p JOIN quotes q ON q.id = p.quote_id
		LEFT JOIN jobs j ON j.id = (SELECT MIN(j2.id) FROM jobs j2 WHERE j2.quote_id = q.id)
		WHERE p.quote_id = $1 AND p.org_id = $2 AND p.customer_id = $3 AND p.status = 'succeeded' ORDER BY p.paid_at, p.id`,
		quoteID, v.OrgID, customerID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*fieldportal.DepositPayment, error) {
		var x fieldportal.DepositPayment
		err := row.Scan(&x.PaymentID, &x.ReceiptNumber, &x.QuoteID, &x.QuoteNumber, &x.JobID, &x.JobNumber, &x.Currency,
			money(&x.Amount), money(&x.Allocated), money(&x.Refunded), tm(&x.PaidAt))
		return &x, err
	})
}

// applyDeposit completes the acceptance a confirmed deposit checkout kept
// and records its payment, in one transaction with the quote's mail and
// events, the receipt and payment.succeeded.
//
// The quote is checked again first, as it stands now (decideQuote: still
// outstanding, the version signed, not changed since, not expired):
//   - Accepted: the payment is the quote's deposit, linked to it, and
//     allocated to the job's open invoices if any were raised before.
//   - Not accepted because the office changed or closed it, or it expired
//     (deposit.quote_closed): the payment stays on account, linked to the
//     quote, shown with it to staff, so if the office accepts the quote
//     as it now stands the job's invoice still takes it.
//   - Accepted already by the office, no deposit paid yet: the payment
//     is the quote's deposit, as if accepted now.
//   - Accepted already with a deposit paid (a second payment of the
//     deposit: another contact's checkout, or an older one):
//     the payment is kept on the customer's account apart from the quote,
//     so no invoice takes it as a deposit, and deposit.unapplied flags it
//     to staff, who refund it (console, through the provider) or
//     allocate it.
//
// The money is not refunded automatically: a provider's refund is a call
// out of this transaction, which a crash between the two could lose or
// repeat, and nothing in the store calls a provider; staff refund from
// the console, where the provider's refund and its record are made once
// under one key. Each case is applied once: a confirmation delivered
// again finds the checkout paid and changes nothing.
func (tx *Tx) applyDeposit(ctx context.Context, c *fieldportal.Checkout, o fieldportal.CheckoutOutcome,
	settings fieldportal.Settings, orgNow time.Time) error {
	sys := fieldportal.SystemViewer(c.OrgID, "online payment")
	// Paid in time if paid while the checkout was open: the provider's page
	// takes no payment after it lapses, so a confirmation arriving after
	// the quote's last day (a payment at 23:55, its webhook at 00:01) is
	// judged as of the lapse. A checkout with no lapse (started before
	// migration 310) is judged now.
	var validAt time.Time
	if !c.ExpiresAt.IsZero() {
		validAt = c.ExpiresAt.Add(-time.Nanosecond)
	}
	_, decideErr := tx.decideQuote(ctx, sys, c.QuoteID, fieldportal.QuoteDecision{Accept: true, SignerName: c.SignerName,
		Comment: c.AcceptComment, From: c.SignedFrom, PortalURL: c.PortalURL, At: c.CreatedAt, Version: c.QuoteVersion,
		ValidAt: validAt}, settings, orgNow.Location(), true)
	if decideErr != nil && fieldportal.ErrorCode(decideErr) != fieldportal.ECONFLICT {
		return decideErr
	}
	var stage fieldportal.QuoteStage
	if err := tx.QueryRowContext(ctx, `SELECT stage FROM quotes WHERE id = $1`, c.QuoteID).Scan(&stage); err != nil {
		return sqlErr(err, "quote")
	}
	// Accepted before this confirmation with a deposit paid: this payment
	// is a second one. Accepted by the office with none paid yet, it is
	// the quote's deposit. Read after decideQuote's lock on the quote
	// (PostgreSQL), so two confirmations at once see each other's.
	second := false
	if decideErr != nil && stage == fieldportal.QuoteApproved {
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM payments WHERE quote_id = $1 AND org_id = $2
			AND status = 'succeeded')`, c.QuoteID, c.OrgID).Scan(&second); err != nil {
			return err
		}
	}
	p := fieldportal.Payment{CustomerID: c.CustomerID, Amount: o.Amount, Currency: c.Currency, Method: "card",
		Provider: c.Provider, ProviderRef: o.PaymentRef, Status: fieldportal.PaymentSucceeded, PaidBy: c.ContactID}
	if !second {
		p.QuoteID = c.QuoteID
		allocs, err := tx.depositAllocations(ctx, c.OrgID, c.CustomerID, c.QuoteID, o.Amount)
		if err != nil {
			return err
		}
		p.Allocations = allocs
	}
	dup, err := tx.recordPayment(ctx, sys, &p)
	if err != nil {
		return err
	}
	if dup {
		return fieldportal.Errorf(fieldportal.ECONFLICT, "This payment was already applied to another checkout.")
	}
	if err := tx.checkoutPaid(ctx, c, o, &p); err != nil {
		return err
	}
	switch {
	case second:
		msg := fmt.Sprintf("%s: %s %s paid for the deposit of a quote already accepted (checkout %s), kept on account apart from the quote: refund it or allocate it",
			p.ReceiptNumber, c.Currency, p.Amount, c.ID)
		if err := tx.audit(ctx, sys, "deposit.unapplied", "payment", p.ID, msg); err != nil {
			return err
		}
		return tx.audit(ctx, sys, "deposit.unapplied", "quote", c.QuoteID, msg)
	case decideErr != nil && stage != fieldportal.QuoteApproved:
		return tx.audit(ctx, sys, "deposit.quote_closed", "quote", c.QuoteID,
			fmt.Sprintf("deposit %s received (%s) but the quote could not be accepted: %s", p.ReceiptNumber, c.ID, fieldportal.ErrorMessage(decideErr)))
	}
	return nil
}

// pendingAcceptance fills x.Pending from the last open checkout of an
// outstanding quote's deposit, if any.
func (tx *Tx) pendingAcceptance(ctx context.Context, x *fieldportal.Quote) error {
	if x.Stage != fieldportal.QuoteOutstanding || x.DepositKind == fieldportal.DepositNone {
		return nil
	}
	var p fieldportal.PendingAcceptance
	err := tx.QueryRowContext(ctx, `SELECT signer_name, signed_from, created_at FROM checkouts
		WHERE quote_id = $1 AND status = 'open' AND (expires_at IS NULL OR expires_at > $2)
		ORDER BY created_at DESC, id DESC LIMIT 1`, x.ID, tx.now).
		Scan(&p.SignerName, &p.SignedFrom, tm(&p.StartedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	x.Pending = &p
	return nil
}
