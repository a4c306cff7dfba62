package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// The recurring invoice worker (issue 17, point 4). A pass raises every
// active schedule that has come due, then charges the saved cards of the
// auto-paid ones off-session. Several instances may run it on one
// PostgreSQL at once:
//
//   - raising moves the schedule's next due date with a compare-and-set
//     (WHERE next_due_date = the date read) in the transaction that
//     inserts the invoice, keyed "recurring:<schedule>:<due date>", and
//     its pending charge; a second instance's update matches no row, so
//     each due date is raised once;
//   - a pending charge is claimed for a lease (claimed_until), so one
//     instance calls the provider at a time; the provider is given the
//     charge's idempotency key, so a charge retried after a crash or an
//     expired lease is still made once, and the payment is keyed by the
//     provider's reference (RecordPayment), so it is applied once.

// OrgGateway opens the payment gateway of an organisation for the worker:
// its provider with its keys. It answers an error when the organisation
// takes no payments online; the charge then waits.
type OrgGateway func(ctx context.Context, orgID string) (fieldportal.PaymentGateway, error)

// RecurringRun counts what one pass of the worker did.
type RecurringRun struct {
	Raised, Charged, Failed, Skipped int
}

// autopayLease is how long a worker holds a charge it is making before
// another may retry it (with the same idempotency key).
const autopayLease = 5 * time.Minute

// errRaced is a step another worker did first; nothing to keep.
var errRaced = errors.New("done by another worker")

// RaiseDueRecurring raises the recurring invoices due on or before now's
// date (UTC) and makes their pending automatic charges. worker names the
// instance in claims; gateway opens an organisation's provider (nil: no
// charges are made, they wait). Its error joins those of the schedules
// and charges it passed over; the rest of the pass was done.
func (d *DB) RaiseDueRecurring(ctx context.Context, now time.Time, worker string, gateway OrgGateway) (RecurringRun, error) {
	var run RecurringRun
	today := fieldportal.DateOf(now.UTC())
	// A schedule or charge that fails (a site moved to another customer
	// since the schedule was set up, say) is reported and passed over:
	// the others, of every organisation, are still raised and charged.
	var errs []error
	failed := map[string]bool{}
	for {
		due, err := d.dueSchedules(ctx, today)
		if err != nil {
			return run, errors.Join(append(errs, err)...)
		}
		raised := 0
		for _, s := range due {
			if failed[s.id] {
				continue
			}
			err := d.raiseRecurring(ctx, s.id, s.due)
			switch {
			case errors.Is(err, errRaced):
			case err != nil:
				if ctx.Err() != nil {
					return run, ctx.Err()
				}
				failed[s.id] = true
				errs = append(errs, fmt.Errorf("raise recurring invoice %s: %w", s.id, err))
			default:
				raised++
			}
		}
		run.Raised += raised
		// A schedule behind by several periods comes due again at once,
		// so look again until a round raises nothing (what is left, if
		// anything, another worker is raising).
		if raised == 0 {
			break
		}
	}
	if gateway == nil {
		return run, errors.Join(errs...)
	}
	ids, err := d.claimableCharges(ctx, now)
	if err != nil {
		return run, errors.Join(append(errs, err)...)
	}
	for _, id := range ids {
		outcome, err := d.makeCharge(ctx, now, worker, id, gateway)
		if err != nil {
			if ctx.Err() != nil {
				return run, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("automatic charge %s: %w", id, err))
			continue
		}
		switch outcome {
		case "succeeded":
			run.Charged++
		case "failed":
			run.Failed++
		case "skipped":
			run.Skipped++
		}
	}
	return run, errors.Join(errs...)
}

type dueSchedule struct {
	id  string
	due fieldportal.Date
}

// dueSchedules lists up to 100 active schedules due by today, oldest due first.
func (d *DB) dueSchedules(ctx context.Context, today fieldportal.Date) ([]dueSchedule, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, next_due_date FROM recurring_invoices
		WHERE active = $1 AND next_due_date <= $2 ORDER BY next_due_date, id LIMIT 100`, true, today)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (dueSchedule, error) {
		var s dueSchedule
		return s, row.Scan(&s.id, &s.due)
	})
}

// raiseRecurring raises the invoice of schedule id for due date due and
// moves the schedule on by its frequency, in one transaction; errRaced
// when another worker did (or the schedule changed since it was read).
func (d *DB) raiseRecurring(ctx context.Context, id string, due fieldportal.Date) error {
	return d.inTx(ctx, func(tx *Tx) error {
		var r fieldportal.RecurringInvoice
		var anchor int
		err := tx.QueryRowContext(ctx, `SELECT org_id, customer_id, site_id, name, total_inc_tax, frequency, autopay, anchor_day
			FROM recurring_invoices WHERE id = $1 AND active = $2 AND next_due_date = $3`, id, true, due).Scan(
			&r.OrgID, &r.CustomerID, str(&r.SiteID), &r.Name, money(&r.TotalIncTax), &r.Frequency, &r.Autopay, &anchor)
		if errors.Is(err, sql.ErrNoRows) {
			return errRaced
		} else if err != nil {
			return err
		}
		// The compare-and-set: on PostgreSQL a second worker waits here
		// for the first to commit, then matches no row.
		if err := claimed(tx.ExecContext(ctx, `UPDATE recurring_invoices SET next_due_date = $3, updated_at = $4
			WHERE id = $1 AND next_due_date = $2 AND active = $5`, id, due, r.Frequency.NextDue(due, anchor), tx.now, true)); err != nil {
			return err
		}
		v := fieldportal.SystemViewer(r.OrgID, "recurring invoices")
		external := "recurring:" + id + ":" + due.String()
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM invoices WHERE org_id = $1 AND external_id = $2)`,
			r.OrgID, external).Scan(&exists); err != nil {
			return err
		}
		if exists {
			// The due date was set back to one already raised: move on
			// without raising it twice.
			return nil
		}
		inv := &fieldportal.Invoice{ExternalID: external, CustomerID: r.CustomerID, SiteID: r.SiteID, IssueDate: due,
			DueDate: due, Description: r.Name, Subtotal: r.TotalIncTax, Total: r.TotalIncTax,
			Lines: []fieldportal.InvoiceLine{{Description: r.Name, Quantity: 1, UnitPrice: r.TotalIncTax, Total: r.TotalIncTax}}}
		if err := tx.createInvoice(ctx, v, inv); err != nil {
			return err
		}
		// Raised as the office issues one (IssueInvoice): the invoice
		// contacts are told and invoice.issued is emitted, in this
		// transaction.
		if err := tx.mailInvoiceIssued(ctx, inv); err != nil {
			return err
		}
		if err := tx.emitEvent(ctx, fieldportal.SystemViewer(inv.OrgID, "recurring invoices"), inv.OrgID, "invoice.issued", inv); err != nil {
			return err
		}
		if !r.Autopay {
			return nil
		}
		var card bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM saved_cards WHERE customer_id = $1)`, r.CustomerID).Scan(&card); err != nil || !card {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO autopay_charges (id, org_id, recurring_id, invoice_id, customer_id, due_date,
			amount, idempotency_key, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9)
			ON CONFLICT (idempotency_key) DO NOTHING`,
			newID(), r.OrgID, id, inv.ID, r.CustomerID, due, r.TotalIncTax, "autopay:"+id+":"+due.String(), tx.now)
		return err
	})
}

// claimableCharges lists pending charges whose lease is free.
func (d *DB) claimableCharges(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id FROM autopay_charges WHERE status = 'pending'
		AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY created_at, id LIMIT 100`, now.UTC())
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, row.Scan(&id)
	})
}

// autopayCharge is a claimed charge with what making it needs.
type autopayCharge struct {
	id, orgID, recurringID, invoiceID, customerID, siteID, key string
	amount                                                     fieldportal.Money
	due                                                        fieldportal.Date
	name, number, currency                                     string
	balance                                                    fieldportal.Money
	autopay                                                    bool
	card                                                       fieldportal.SavedCard
	hasCard                                                    bool
}

// makeCharge claims charge id, charges the card and records the outcome;
// it answers "succeeded", "failed", "skipped", or "" when another worker
// holds the charge or the provider could not be reached (retried later).
func (d *DB) makeCharge(ctx context.Context, now time.Time, worker, id string, gateway OrgGateway) (string, error) {
	err := claimed(d.db.ExecContext(ctx, `UPDATE autopay_charges SET claimed_by = $2, claimed_until = $3,
		attempts = attempts + 1, updated_at = $4 WHERE id = $1 AND status = 'pending'
		AND (claimed_until IS NULL OR claimed_until < $4)`, id, worker, now.UTC().Add(autopayLease), now.UTC()))
	if err != nil {
		return "", ignoreRaced(err) // another worker holds it
	}
	c, err := d.readCharge(ctx, id)
	if err != nil {
		return "", err
	}
	// Settled, voided, switched off or without a card since it was
	// raised: nothing to take.
	switch {
	case !c.autopay:
		return "skipped", d.skipCharge(ctx, c, "Automatic payment was cancelled before the charge.")
	case !c.hasCard:
		return "skipped", d.skipCharge(ctx, c, "The customer has no saved card.")
	case c.balance < c.amount:
		return "skipped", d.skipCharge(ctx, c, "The invoice was paid or changed before the charge.")
	}
	g, err := gateway(ctx, c.orgID)
	if err != nil {
		return "", nil // payments off or keys missing: the charge waits
	}
	out, err := g.ChargeSavedCard(ctx, fieldportal.OffSessionCharge{CardRef: c.card.ProviderRef, Amount: c.amount,
		Currency: c.currency, Description: "Invoice " + c.number + " (" + c.name + ")", IdempotencyKey: c.key})
	if err != nil {
		return "", nil // the provider did not answer: retried after the lease with the same key
	}
	if out.Succeeded {
		return "succeeded", d.chargeSucceeded(ctx, c, fieldportal.DateOf(now.UTC()), g.Provider(), out)
	}
	return "failed", d.chargeFailed(ctx, c, out.FailureReason)
}

func (d *DB) readCharge(ctx context.Context, id string) (*autopayCharge, error) {
	var c autopayCharge
	var total, paid fieldportal.Money
	var status string
	err := d.db.QueryRowContext(ctx, `SELECT ac.id, ac.org_id, ac.recurring_id, ac.invoice_id, ac.customer_id,
		r.site_id, ac.idempotency_key, ac.amount, ac.due_date, r.name, r.autopay, i.number, i.total, i.amount_paid, i.status, o.currency
		FROM autopay_charges ac JOIN recurring_invoices r ON r.id = ac.recurring_id
		JOIN invoices i ON i.id = ac.invoice_id JOIN organisations o ON o.id = ac.org_id WHERE ac.id = $1`, id).Scan(
		&c.id, &c.orgID, &c.recurringID, &c.invoiceID, &c.customerID, str(&c.siteID), &c.key, money(&c.amount), &c.due, &c.name,
		&c.autopay, &c.number, money(&total), money(&paid), &status, &c.currency)
	if err != nil {
		return nil, sqlErr(err, "automatic charge")
	}
	if status != string(fieldportal.InvoiceVoid) {
		c.balance = total - paid
	}
	err = d.db.QueryRowContext(ctx, `SELECT provider, provider_ref, brand, last4 FROM saved_cards WHERE customer_id = $1`,
		c.customerID).Scan(&c.card.Provider, &c.card.ProviderRef, &c.card.Brand, &c.card.Last4)
	if err == nil {
		c.hasCard = true
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return &c, nil
}

// settleCharge moves a pending charge to status in tx; errRaced if it is
// no longer pending (another worker finished it).
func (tx *Tx) settleCharge(ctx context.Context, id, status, reason, paymentID string) error {
	return claimed(tx.ExecContext(ctx, `UPDATE autopay_charges SET status = $2, failure_reason = $3, payment_id = $4,
		claimed_until = NULL, updated_at = $5 WHERE id = $1 AND status = 'pending'`, id, status, reason, nullStr(paymentID), tx.now))
}

// claimed reads the result of a compare-and-set UPDATE: errRaced when it
// matched no row (another worker got there first).
func claimed(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errRaced
	}
	return nil
}

func ignoreRaced(err error) error {
	if errors.Is(err, errRaced) {
		return nil
	}
	return err
}

func (d *DB) skipCharge(ctx context.Context, c *autopayCharge, reason string) error {
	return ignoreRaced(d.inTx(ctx, func(tx *Tx) error {
		if err := tx.settleCharge(ctx, c.id, "skipped", reason, ""); err != nil {
			return err
		}
		return tx.audit(ctx, fieldportal.SystemViewer(c.orgID, "automatic payments"), "autopay.charge_skipped", "invoice", c.invoiceID, reason)
	}))
}

// chargeSucceeded records the payment (once per provider reference),
// allocated to the invoice, marks the charge and the schedule's last
// payment, and queues the receipt, in one transaction.
func (d *DB) chargeSucceeded(ctx context.Context, c *autopayCharge, today fieldportal.Date, provider string, out fieldportal.ChargeOutcome) error {
	return ignoreRaced(d.inTx(ctx, func(tx *Tx) error {
		v := fieldportal.SystemViewer(c.orgID, "automatic payments")
		p := &fieldportal.Payment{CustomerID: c.customerID, Amount: c.amount, Currency: c.currency, Method: "card",
			Provider: provider, ProviderRef: out.PaymentRef, Status: fieldportal.PaymentSucceeded}
		// The card is charged: the money is recorded whatever happened to
		// the invoice meanwhile (paid online or by hand, voided). It is
		// allocated as far as the invoice still owes, as a checkout is
		// (applyCheckout); the rest stays unallocated for staff to see.
		var inv fieldportal.Invoice
		if err := tx.QueryRowContext(ctx, `UPDATE invoices SET updated_at = updated_at WHERE id = $1
			RETURNING total, amount_paid, status`, c.invoiceID).Scan(money(&inv.Total), money(&inv.AmountPaid), &inv.Status); err != nil {
			return sqlErr(err, "invoice")
		}
		if due := min(c.amount, inv.Balance()); due > 0 {
			p.Allocations = []fieldportal.PaymentAllocation{{InvoiceID: c.invoiceID, Amount: due}}
		}
		dup, err := tx.recordPayment(ctx, v, p)
		if err != nil {
			return err
		}
		if dup {
			// Recorded already (by a worker whose charge row was then
			// settled, or by another path): point the charge at it.
			if err := tx.QueryRowContext(ctx, `SELECT id FROM payments WHERE org_id = $1 AND provider = $2 AND provider_ref = $3`,
				c.orgID, provider, out.PaymentRef).Scan(&p.ID); err != nil {
				return err
			}
			return tx.settleCharge(ctx, c.id, "succeeded", "", p.ID)
		}
		if err := tx.settleCharge(ctx, c.id, "succeeded", "", p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recurring_invoices SET last_payment_date = $2, updated_at = $3 WHERE id = $1`,
			c.recurringID, today, tx.now); err != nil {
			return err
		}
		if err := tx.audit(ctx, v, "autopay.charged", "invoice", c.invoiceID, c.number+" "+p.ReceiptNumber); err != nil {
			return err
		}
		if rest := c.amount - inv.Balance(); rest > 0 {
			if err := tx.audit(ctx, v, "payment.unallocated", "payment", p.ID,
				fmt.Sprintf("%s: %s %s charged for invoice %s paid meanwhile, not allocated", p.ReceiptNumber, c.currency, rest, c.number)); err != nil {
				return err
			}
		}
		if err := tx.emitEvent(ctx, fieldportal.SystemViewer(c.orgID, "autopay"), c.orgID, "payment.succeeded", p); err != nil {
			return err
		}
		return tx.mailStatementContacts(ctx, c.orgID, c.siteID, c.customerID, "receipt", func(org, _, name string) mail.Message {
			return mail.Receipt(org, name, p.ReceiptNumber, c.currency+" "+c.amount.String())
		})
	}))
}

// chargeFailed records a declined charge (the invoice stays unpaid) and
// mails the statement contacts.
func (d *DB) chargeFailed(ctx context.Context, c *autopayCharge, reason string) error {
	if reason == "" {
		reason = "The card was declined."
	}
	return ignoreRaced(d.inTx(ctx, func(tx *Tx) error {
		if err := tx.settleCharge(ctx, c.id, "failed", reason, ""); err != nil {
			return err
		}
		v := fieldportal.SystemViewer(c.orgID, "automatic payments")
		if err := tx.audit(ctx, v, "autopay.charge_failed", "invoice", c.invoiceID, c.number+": "+reason); err != nil {
			return err
		}
		return tx.mailStatementContacts(ctx, c.orgID, c.siteID, c.customerID, "autopay_failed", func(org, _, name string) mail.Message {
			return mail.AutopayFailed(org, name, c.number, c.name, c.currency+" "+c.amount.String(), reason)
		})
	}))
}

// mailStatementContacts queues a mail to the statement contacts of the
// customer and of those above it who may follow it into the portal's
// Automatic payments page for the site (portalRecipients; siteID "" is a
// customer-wide schedule, seen with site access "all").
// m composes the mail from the organisation's name, its currency and the
// recipient's name.
func (tx *Tx) mailStatementContacts(ctx context.Context, orgID, siteID, customerID, topic string, m func(org, currency, name string) mail.Message) error {
	var org, currency string
	if err := tx.QueryRowContext(ctx, `SELECT name, currency FROM organisations WHERE id = $1`, orgID).Scan(&org, &currency); err != nil {
		return sqlErr(err, "organisation")
	}
	who := "c.statement_contact = TRUE AND c.customer_id IN (SELECT ct2.ancestor_id FROM customer_tree ct2 WHERE ct2.customer_id = $3)"
	if topic == "receipt" {
		who += wantsMail(fieldportal.MailReceipt) // a choice in the preferences (issue 20)
	}
	to, err := tx.portalRecipients(ctx, orgID, siteID, customerID, fieldportal.ModuleAutopay, who, customerID)
	if err != nil {
		return err
	}
	for _, r := range to {
		msg := m(org, currency, r.fullName)
		msg.To = r.email
		if err := tx.enqueue(ctx, mail.Outbox(orgID, topic, msg)); err != nil {
			return err
		}
	}
	return nil
}
