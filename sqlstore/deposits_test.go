package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// depositWorld is the money world with a quote contact of the parent.
type depositWorld struct {
	*moneyWorld
	payer fieldportal.Viewer
}

func newDepositWorld(t *testing.T, db *sqlstore.DB) *depositWorld {
	t.Helper()
	w := &depositWorld{moneyWorld: newMoneyWorld(t, db)}
	w.payer = MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
	w.payer.QuoteContact = true
	mustMoneyExec(t, db, `UPDATE contacts SET email = 'pat@example.test', quote_contact = TRUE WHERE id = $1`, w.payer.ContactID)
	return w
}

// quote makes an outstanding quote at site A of total (inc tax) asking
// for a deposit.
func (w *depositWorld) quote(t *testing.T, db *sqlstore.DB, total fieldportal.Money, kind fieldportal.DepositKind, value int64) *fieldportal.Quote {
	t.Helper()
	x := &fieldportal.Quote{SiteID: w.siteA.ID, Stage: fieldportal.QuoteOutstanding, TotalExTax: total, TotalIncTax: total,
		DepositKind: kind, DepositValue: value}
	if err := db.CreateQuote(context.Background(), w.staff, x); err != nil {
		t.Fatalf("CreateQuote: %v", err)
	}
	return x
}

// startDeposit accepts x online, pending its deposit.
func (w *depositWorld) startDeposit(t *testing.T, db *sqlstore.DB, x *fieldportal.Quote) *fieldportal.Checkout {
	t.Helper()
	c, err := db.StartDepositCheckout(context.Background(), w.payer, fieldportal.StartDeposit{QuoteID: x.ID, Provider: "testmode",
		Decision: fieldportal.QuoteDecision{SignerName: "Pat Lee", From: "192.0.2.7", Comment: "Start soon"}})
	if err != nil {
		t.Fatalf("StartDepositCheckout: %v", err)
	}
	return c
}

func mustQuoteStage(t *testing.T, db *sqlstore.DB, v fieldportal.Viewer, id string, want fieldportal.QuoteStage) *fieldportal.Quote {
	t.Helper()
	x, err := db.FindQuoteByID(context.Background(), v, id)
	if err != nil {
		t.Fatal(err)
	}
	if x.Stage != want {
		t.Fatalf("quote %s stage = %s, want %s", x.Number, x.Stage, want)
	}
	return x
}

func mustInvoicePaid(t *testing.T, db *sqlstore.DB, v fieldportal.Viewer, id string, want fieldportal.Money) *fieldportal.Invoice {
	t.Helper()
	inv, err := db.FindInvoiceByID(context.Background(), v, id)
	if err != nil {
		t.Fatal(err)
	}
	var sum fieldportal.Money
	deposit := false
	for _, p := range inv.Payments {
		sum += p.Allocated
		deposit = deposit || p.Deposit
	}
	if inv.AmountPaid != want || sum != want {
		t.Fatalf("invoice %s paid %s, allocations %s, want %s", inv.Number, inv.AmountPaid, sum, want)
	}
	if want > 0 && !deposit {
		t.Errorf("invoice %s payments %+v: none marked as a deposit", inv.Number, inv.Payments)
	}
	return inv
}

func TestDeposit(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newDepositWorld(t, db)

		t.Run("deposit is a percentage of the total or an amount", func(t *testing.T) {
			if x := w.quote(t, db, 12345, fieldportal.DepositPercent, 20); x.DepositAmount != 2469 {
				t.Errorf("20%% of 123.45 = %s, want 24.69", x.DepositAmount)
			}
			if x := w.quote(t, db, 12345, fieldportal.DepositAmount, 5000); x.DepositAmount != 5000 {
				t.Errorf("amount deposit = %s", x.DepositAmount)
			}
		})

		t.Run("bad deposits are refused naming the field", func(t *testing.T) {
			for _, tc := range []struct {
				kind  fieldportal.DepositKind
				value int64
				field string
			}{
				{fieldportal.DepositAmount, 10001, "deposit_value"},
				{fieldportal.DepositPercent, 0, "deposit_value"},
				{fieldportal.DepositPercent, 101, "deposit_value"},
				{"half", 5, "deposit_kind"},
			} {
				x := &fieldportal.Quote{SiteID: w.siteA.ID, Stage: fieldportal.QuoteOutstanding, TotalExTax: 10000, TotalIncTax: 10000,
					DepositKind: tc.kind, DepositValue: tc.value}
				wantWorkCode(t, db.CreateQuote(ctx, w.staff, x), fieldportal.EINVALID, tc.field)
			}
			x := w.quote(t, db, 10000, "", 0)
			_, _, err := db.PriceQuote(ctx, w.staff, x.ID, fieldportal.QuotePricing{TaxRate: 2000,
				Items:       []fieldportal.QuoteItem{{Description: "Work", Quantity: 1, UnitPrice: 10000}},
				DepositKind: fieldportal.DepositAmount, DepositValue: 12001})
			wantWorkCode(t, err, fieldportal.EINVALID, "deposit_value")
			if _, _, err := db.PriceQuote(ctx, w.staff, x.ID, fieldportal.QuotePricing{TaxRate: 2000,
				Items:       []fieldportal.QuoteItem{{Description: "Work", Quantity: 1, UnitPrice: 10000}},
				DepositKind: fieldportal.DepositAmount, DepositValue: 12000}); err != nil {
				t.Errorf("deposit of the whole total inc tax: %v", err)
			}
		})

		t.Run("accepting without paying is refused, pending keeps it outstanding", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			err := db.AcceptQuote(ctx, w.payer, x.ID, "Pat Lee")
			wantWorkCode(t, err, fieldportal.ECONFLICT)
			c := w.startDeposit(t, db, x)
			if c.Amount != 2000 || c.QuoteID != x.ID || c.SignerName != "Pat Lee" {
				t.Errorf("checkout = %+v", c)
			}
			q := mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding)
			if q.Pending == nil || q.Pending.SignerName != "Pat Lee" || q.Pending.SignedFrom != "192.0.2.7" || !q.Pending.StartedAt.Equal(c.CreatedAt) {
				t.Errorf("pending acceptance = %+v, want Pat Lee's from 192.0.2.7", q.Pending)
			}
			// Abandoned: the quote can be accepted again.
			w.startDeposit(t, db, x)
			mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding)
		})

		t.Run("confirmed twice is applied once and accepts the quote", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c := w.startDeposit(t, db, x)
			o := paid(c, "pi_dep_"+c.ID)
			got, err := db.ConfirmCheckout(ctx, w.payer, "testmode", o)
			if err != nil || got.Status != fieldportal.CheckoutPaid || got.ReceiptNumber == "" {
				t.Fatalf("ConfirmCheckout = %+v, %v", got, err)
			}
			if err := db.ApplyPaymentEvent(ctx, w.org.ID, "testmode", fieldportal.PaymentEvent{Checkout: &o}); err != nil {
				t.Fatalf("second confirmation: %v", err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE quote_id = $1`, x.ID); n != 1 {
				t.Errorf("%d payments for the deposit, want 1", n)
			}
			q := mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteApproved)
			if q.Pending != nil {
				t.Errorf("an accepted quote has a pending acceptance %+v", q.Pending)
			}
			if q.SignedByName != "Pat Lee" || q.SignedFrom != "192.0.2.7" || q.AcceptComment != "Start soon" || !q.ActionedAt.Equal(c.CreatedAt) {
				t.Errorf("acceptance = %q %q %q %v, want the pending one of %v", q.SignedByName, q.SignedFrom, q.AcceptComment, q.ActionedAt, c.CreatedAt)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = 'mail' AND topic = 'receipt' AND payload LIKE $1`, "%"+got.ReceiptNumber+"%"); n != 1 {
				t.Errorf("%d receipts queued, want 1", n)
			}
			ds, err := db.FindDeposits(ctx, w.payer, fieldportal.DepositFilter{QuoteID: x.ID})
			if err != nil || len(ds) != 1 || ds[0].Amount != 2000 || ds[0].OnAccount() != 2000 {
				t.Errorf("FindDeposits = %+v, %v", ds, err)
			}
		})

		t.Run("quote.accepted on the deposit's confirmation comes from the portal", func(t *testing.T) {
			mustListenAll(t, db, w.org.ID)
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c := w.startDeposit(t, db, x)
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_src_"+c.ID)); err != nil {
				t.Fatal(err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = 'webhook' AND topic = 'quote.accepted'
				AND payload LIKE $1`, "%"+x.ID+"%"); n != 1 {
				t.Fatalf("%d quote.accepted events, want 1", n)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = 'webhook' AND topic = 'quote.accepted'
				AND payload LIKE $1 AND payload LIKE '%"source":"portal"%'`, "%"+x.ID+"%"); n != 1 {
				t.Errorf("quote.accepted of a paid deposit is not from the portal (the contact accepted it there)")
			}
		})

		t.Run("a quote priced again while its deposit is paid is not accepted", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c := w.startDeposit(t, db, x)
			// The office changes the quote while the contact is at the
			// payment page: what was signed is not what the quote now says.
			if _, _, err := db.PriceQuote(ctx, w.staff, x.ID, fieldportal.QuotePricing{
				Items:       []fieldportal.QuoteItem{{Description: "More work", Quantity: 1, UnitPrice: 30000}},
				DepositKind: fieldportal.DepositPercent, DepositValue: 20}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_repriced_"+c.ID)); err != nil {
				t.Fatal(err)
			}
			q := mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding)
			if q.TotalIncTax != 30000 {
				t.Errorf("total %s", q.TotalIncTax)
			}
			ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{QuoteID: x.ID})
			if err != nil || len(ds) != 1 || ds[0].OnAccount() != 2000 {
				t.Errorf("FindDeposits = %+v, %v; want the 20.00 paid on account", ds, err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.quote_closed' AND entity_id = $1`, x.ID); n != 1 {
				t.Errorf("%d deposit.quote_closed audit entries, want 1", n)
			}
		})

		t.Run("amount mismatch is refused", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c := w.startDeposit(t, db, x)
			o := paid(c, "pi_short_"+c.ID)
			o.Amount = 1000
			_, err := db.ConfirmCheckout(ctx, w.payer, "testmode", o)
			wantWorkCode(t, err, fieldportal.EINVALID)
			mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding)
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE quote_id = $1`, x.ID); n != 0 {
				t.Errorf("%d payments recorded for a refused confirmation", n)
			}
		})

		// jobFor makes the job the back office raises for an accepted quote.
		jobFor := func(t *testing.T, x *fieldportal.Quote) string {
			id := MustMoneyJob(t, db, w.org.ID, w.parent.ID, w.siteA.ID, "J-"+x.Number)
			mustMoneyExec(t, db, `UPDATE jobs SET quote_id = $1, stage = 'complete' WHERE id = $2`, x.ID, id)
			return id
		}
		issue := func(t *testing.T, jobID string, total fieldportal.Money) *fieldportal.Invoice {
			inv := &fieldportal.Invoice{JobID: jobID, IssueDate: moneyDay(2026, 3, 1), DueDate: moneyDay(2026, 3, 31),
				Lines: []fieldportal.InvoiceLine{{Description: "Work", Quantity: 1, UnitPrice: total}}}
			if err := db.IssueInvoice(ctx, w.staff, inv); err != nil {
				t.Fatalf("IssueInvoice: %v", err)
			}
			return inv
		}

		t.Run("invoice raised after the deposit has it deducted", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c := w.startDeposit(t, db, x)
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_after_"+c.ID)); err != nil {
				t.Fatal(err)
			}
			job := jobFor(t, x)
			inv := issue(t, job, 10000)
			mustInvoicePaid(t, db, w.payer, inv.ID, 2000)
			ds, err := db.FindDeposits(ctx, w.payer, fieldportal.DepositFilter{JobID: job})
			if err != nil || len(ds) != 1 || ds[0].Allocated != 2000 || ds[0].JobID != job {
				t.Errorf("FindDeposits(job) = %+v, %v", ds, err)
			}
		})

		t.Run("invoice raised before the deposit gets it on confirmation", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c := w.startDeposit(t, db, x)
			inv := issue(t, jobFor(t, x), 10000)
			mustInvoicePaid(t, db, w.staff, inv.ID, 0)
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_before_"+c.ID)); err != nil {
				t.Fatal(err)
			}
			mustInvoicePaid(t, db, w.staff, inv.ID, 2000)
		})

		t.Run("deposit bigger than the invoice leaves the rest on account", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositAmount, 8000)
			c := w.startDeposit(t, db, x)
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_big_"+c.ID)); err != nil {
				t.Fatal(err)
			}
			job := jobFor(t, x)
			inv := issue(t, job, 5000)
			got := mustInvoicePaid(t, db, w.staff, inv.ID, 5000)
			if got.Status != fieldportal.InvoicePaid {
				t.Errorf("invoice status = %s, want paid", got.Status)
			}
			ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{JobID: job})
			if err != nil || len(ds) != 1 || ds[0].OnAccount() != 3000 {
				t.Fatalf("FindDeposits = %+v, %v", ds, err)
			}
			// A second invoice of the job takes the rest.
			inv2 := issue(t, job, 4000)
			mustInvoicePaid(t, db, w.staff, inv2.ID, 3000)
		})

		t.Run("a quote changed after it was signed is not accepted by its deposit", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c := w.startDeposit(t, db, x)
			// The office prices it again (a higher total) before the
			// deposit is confirmed: the signer never saw this quote.
			q := mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding)
			q.TotalExTax, q.TotalIncTax = 50000, 50000
			if err := db.UpdateQuote(ctx, w.staff, q); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_changed_"+c.ID)); err != nil {
				t.Fatal(err)
			}
			mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding)
			// The money is kept on account, linked to the quote, for staff.
			ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{QuoteID: x.ID})
			if err != nil || len(ds) != 1 || ds[0].OnAccount() != 2000 {
				t.Errorf("FindDeposits = %+v, %v", ds, err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.quote_closed' AND entity_id = $1`, x.ID); n != 1 {
				t.Errorf("%d deposit.quote_closed entries, want 1", n)
			}
		})

		t.Run("a deposit is not deducted from an invoice of another customer", func(t *testing.T) {
			other := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Unrelated"})
			site := MustSite(t, db, w.staff, &fieldportal.Site{CustomerID: other.ID, Name: "Elsewhere", Address: fieldportal.Address{Line1: "E Street"}})
			// Deposit paid, then the invoice of another customer's job
			// that names the quote.
			x := w.quote(t, db, 10000, fieldportal.DepositAmount, 3000)
			c := w.startDeposit(t, db, x)
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_cross_"+c.ID)); err != nil {
				t.Fatal(err)
			}
			job := MustMoneyJob(t, db, w.org.ID, other.ID, site.ID, "J-X-"+x.Number)
			mustMoneyExec(t, db, `UPDATE jobs SET quote_id = $1, stage = 'complete' WHERE id = $2`, x.ID, job)
			inv := issue(t, job, 10000)
			if inv.CustomerID != other.ID {
				t.Fatalf("invoice customer = %s, want %s", inv.CustomerID, other.ID)
			}
			mustInvoicePaid(t, db, w.staff, inv.ID, 0)
			// Invoice first, then the deposit's confirmation.
			y := w.quote(t, db, 10000, fieldportal.DepositAmount, 3000)
			cy := w.startDeposit(t, db, y)
			jobY := MustMoneyJob(t, db, w.org.ID, other.ID, site.ID, "J-X-"+y.Number)
			mustMoneyExec(t, db, `UPDATE jobs SET quote_id = $1, stage = 'complete' WHERE id = $2`, y.ID, jobY)
			invY := issue(t, jobY, 10000)
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(cy, "pi_cross_"+cy.ID)); err != nil {
				t.Fatal(err)
			}
			mustInvoicePaid(t, db, w.staff, invY.ID, 0)
			// Nor does the other customer's job page list the deposit.
			if ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{JobID: job}); err != nil || len(ds) != 0 {
				t.Errorf("FindDeposits(another customer's job) = %+v, %v, want none", ds, err)
			}
			for _, id := range []string{x.ID, y.ID} {
				ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{QuoteID: id})
				if err != nil || len(ds) != 1 || ds[0].OnAccount() != 3000 {
					t.Errorf("FindDeposits(%s) = %+v, %v", id, ds, err)
				}
			}
		})

		t.Run("a second start of the payer pays the deposit once", func(t *testing.T) {
			// Two tabs: both starts are one checkout, so both confirmations
			// are of it and the deposit is paid and deducted once (a second
			// payment by another contact: TestDepositTwice).
			x := w.quote(t, db, 10000, fieldportal.DepositAmount, 2000)
			c1 := w.startDeposit(t, db, x)
			c2 := w.startDeposit(t, db, x)
			for _, c := range []*fieldportal.Checkout{c1, c2} {
				if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_two_"+c.ID)); err != nil {
					t.Fatal(err)
				}
			}
			mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteApproved)
			job := jobFor(t, x)
			mustInvoicePaid(t, db, w.staff, issue(t, job, 2000).ID, 2000)
			mustInvoicePaid(t, db, w.staff, issue(t, job, 5000).ID, 0)
		})

		t.Run("an invoice that names the job later takes the deposit", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositAmount, 2500)
			c := w.startDeposit(t, db, x)
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_later_"+c.ID)); err != nil {
				t.Fatal(err)
			}
			job := jobFor(t, x)
			inv := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2026, 3, 1), 10000))
			mustInvoicePaid(t, db, w.staff, inv.ID, 0)
			inv.JobID = job
			if err := db.UpdateInvoice(ctx, w.staff, inv); err != nil {
				t.Fatal(err)
			}
			mustInvoicePaid(t, db, w.staff, inv.ID, 2500)
			// Saved again, nothing more is taken.
			if err := db.UpdateInvoice(ctx, w.staff, inv); err != nil {
				t.Fatal(err)
			}
			mustInvoicePaid(t, db, w.staff, inv.ID, 2500)
		})

		t.Run("a deposit partly refunded on account gives the invoice only what is left", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositAmount, 3000)
			c := w.startDeposit(t, db, x)
			got, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_refund_"+c.ID))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.RefundPayment(ctx, w.staff, &fieldportal.PaymentRefund{PaymentID: got.PaymentID, Amount: 1000,
				Reason: "Smaller job", Key: "refund-" + c.ID}); err != nil {
				t.Fatalf("RefundPayment: %v", err)
			}
			job := jobFor(t, x)
			ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{JobID: job})
			if err != nil || len(ds) != 1 || ds[0].OnAccount() != 2000 {
				t.Errorf("FindDeposits after a refund of 10.00 of 30.00 = %+v, %v; want 20.00 on account", ds, err)
			}
			inv := issue(t, job, 10000)
			mustInvoicePaid(t, db, w.staff, inv.ID, 2000)
			// The rest refunded too: the refund comes off the invoice.
			if _, err := db.RefundPayment(ctx, w.staff, &fieldportal.PaymentRefund{PaymentID: got.PaymentID, Amount: 2000,
				Reason: "Cancelled", Key: "refund2-" + c.ID}); err != nil {
				t.Fatalf("RefundPayment: %v", err)
			}
			mustInvoicePaid(t, db, w.staff, inv.ID, 0)
		})
	})
}
