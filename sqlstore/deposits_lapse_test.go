package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// orgZone is the organisation's time zone, as the store reads it.
func orgZone(t *testing.T, db *sqlstore.DB, orgID string) *time.Location {
	t.Helper()
	var zone string
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT time_zone FROM organisations WHERE id = $1`, orgID).Scan(&zone); err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDepositLapse checks that a deposit's checkout lapses (24 hours, or
// sooner at the end of the quote's last valid day) and that a deposit
// confirmed for a quote that can no longer be accepted does not accept
// it: the money stays on account, linked to the quote, audited.
func TestDepositLapse(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		w := newDepositWorld(t, db)
		loc := orgZone(t, db, w.org.ID)
		today := fieldportal.DateOf(clock.In(loc))

		t.Run("a deposit checkout lapses in 24 hours", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c := w.startDeposit(t, db, x)
			if want := clock.Add(24 * time.Hour); !c.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %v, want %v", c.ExpiresAt, want)
			}
			got, err := db.FindCheckout(ctx, w.payer, c.ID)
			if err != nil || !got.ExpiresAt.Equal(c.ExpiresAt) {
				t.Errorf("FindCheckout = %+v, %v; want it to lapse at %v", got, err, c.ExpiresAt)
			}
		})

		t.Run("a deposit checkout lapses with its quote", func(t *testing.T) {
			x := &fieldportal.Quote{SiteID: w.siteA.ID, Stage: fieldportal.QuoteOutstanding, TotalExTax: 10000, TotalIncTax: 10000,
				DepositKind: fieldportal.DepositPercent, DepositValue: 20, ValidUntil: today}
			if err := db.CreateQuote(ctx, w.staff, x); err != nil {
				t.Fatal(err)
			}
			c := w.startDeposit(t, db, x)
			if want := today.AddDays(1).In(loc); !c.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %v, want the end of the quote's last day, %v", c.ExpiresAt, want)
			}
			if q := mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding); q.Pending == nil {
				t.Fatalf("no pending acceptance while the checkout is open")
			}
			clock = clock.Add(48 * time.Hour)
			t.Cleanup(func() { clock = clock.Add(-48 * time.Hour) })
			// A lapsed checkout is no longer a pending acceptance.
			if q := mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding); q.Pending != nil {
				t.Errorf("pending acceptance %+v of a lapsed checkout", q.Pending)
			}
		})

		// A checkout started before migration 310 has no lapse of ours:
		// when it was paid is unknown, so the quote is judged at its
		// confirmation (one that lapses is judged as of its lapse:
		// TestDepositPaidInTime).
		t.Run("a deposit with no lapse confirmed after the quote expired does not accept it", func(t *testing.T) {
			x := &fieldportal.Quote{SiteID: w.siteA.ID, Stage: fieldportal.QuoteOutstanding, TotalExTax: 10000, TotalIncTax: 10000,
				DepositKind: fieldportal.DepositPercent, DepositValue: 20, ValidUntil: today}
			if err := db.CreateQuote(ctx, w.staff, x); err != nil {
				t.Fatal(err)
			}
			c := w.startDeposit(t, db, x)
			mustMoneyExec(t, db, `UPDATE checkouts SET expires_at = NULL WHERE id = $1`, c.ID)
			if q := mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding); q.Pending == nil {
				t.Fatalf("no pending acceptance while the checkout is open")
			}
			clock = clock.Add(48 * time.Hour)
			t.Cleanup(func() { clock = clock.Add(-48 * time.Hour) })
			got, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_late_"+c.ID))
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != fieldportal.CheckoutPaid {
				t.Errorf("checkout status = %s, want paid (the money was taken)", got.Status)
			}
			mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteOutstanding)
			ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{QuoteID: x.ID})
			if err != nil || len(ds) != 1 || ds[0].OnAccount() != 2000 {
				t.Errorf("FindDeposits = %+v, %v; want the 20.00 on account, linked to the quote", ds, err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.quote_closed' AND entity_id = $1`, x.ID); n != 1 {
				t.Errorf("%d deposit.quote_closed audit entries, want 1", n)
			}
		})
	})
}

// TestDepositTwice checks that a deposit is not paid twice: the payer's
// second start reuses its open checkout, and a second deposit confirmed
// for a quote already accepted is kept on account apart from the quote
// (never deducted as a deposit), flagged to staff once.
func TestDepositTwice(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newDepositWorld(t, db)

		t.Run("the payer's second start reuses the open checkout", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c1 := w.startDeposit(t, db, x)
			c2 := w.startDeposit(t, db, x)
			if c2.ID != c1.ID || c2.Amount != c1.Amount || !c2.ExpiresAt.Equal(c1.ExpiresAt) {
				t.Errorf("second start = %s (%s), want the open checkout %s again", c2.ID, c2.Amount, c1.ID)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM checkouts WHERE quote_id = $1`, x.ID); n != 1 {
				t.Errorf("%d checkouts for the quote, want 1", n)
			}
		})

		t.Run("a second deposit for an accepted quote is kept apart and flagged once", func(t *testing.T) {
			other := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			other.QuoteContact = true
			mustMoneyExec(t, db, `UPDATE contacts SET email = 'sam@example.test', quote_contact = TRUE WHERE id = $1`, other.ContactID)
			x := w.quote(t, db, 10000, fieldportal.DepositAmount, 2000)
			c1 := w.startDeposit(t, db, x)
			c2, err := db.StartDepositCheckout(ctx, other, fieldportal.StartDeposit{QuoteID: x.ID, Provider: "testmode",
				Decision: fieldportal.QuoteDecision{SignerName: "Sam Roe", From: "192.0.2.8"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c1, "pi_first_"+c1.ID)); err != nil {
				t.Fatal(err)
			}
			mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteApproved)
			o := paid(c2, "pi_second_"+c2.ID)
			got, err := db.ConfirmCheckout(ctx, other, "testmode", o)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != fieldportal.CheckoutPaid || got.PaymentID == "" {
				t.Fatalf("second checkout = %+v, want paid with its payment", got)
			}
			// The provider's webhook delivers it again: nothing more.
			if err := db.ApplyPaymentEvent(ctx, w.org.ID, "testmode", fieldportal.PaymentEvent{Checkout: &o}); err != nil {
				t.Fatal(err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE provider_ref = $1`, o.PaymentRef); n != 1 {
				t.Errorf("%d payments of the second confirmation, want 1", n)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.unapplied' AND entity_id = $1`, got.PaymentID); n != 1 {
				t.Errorf("%d deposit.unapplied audit entries, want 1", n)
			}
			p, err := db.FindPaymentByID(ctx, w.staff, got.PaymentID)
			if err != nil || p.Amount != 2000 || len(p.Allocations) != 0 || p.CustomerID != w.parent.ID {
				t.Errorf("second payment = %+v, %v; want 20.00 of the customer, unallocated", p, err)
			}
			// Only the first is the quote's deposit, and only it is deducted.
			ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{QuoteID: x.ID})
			if err != nil || len(ds) != 1 || ds[0].PaymentID == got.PaymentID {
				t.Errorf("FindDeposits = %+v, %v; want the first payment only", ds, err)
			}
			job := MustMoneyJob(t, db, w.org.ID, w.parent.ID, w.siteA.ID, "J-"+x.Number)
			mustMoneyExec(t, db, `UPDATE jobs SET quote_id = $1, stage = 'complete' WHERE id = $2`, x.ID, job)
			mustInvoicePaid(t, db, w.staff, w.issueFor(t, db, job, 10000).ID, 2000)
			mustInvoicePaid(t, db, w.staff, w.issueFor(t, db, job, 5000).ID, 0)
		})
	})
}

// TestDepositPaidInTime checks that a deposit paid while its checkout
// was open accepts the quote however late its confirmation arrives: the
// provider's page takes no payment after the checkout lapses, at the
// latest with the quote's last valid day, so the quote's validity is
// judged when the checkout could last take payment, not at confirmation.
func TestDepositPaidInTime(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		var clock time.Time
		db.Now = func() time.Time { return clock }
		clock = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		w := newDepositWorld(t, db)
		loc := orgZone(t, db, w.org.ID)
		day := fieldportal.DateOf(clock.In(loc))
		at := func(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, loc) }

		for _, tc := range []struct {
			name      string
			confirmAt time.Time
		}{
			{"confirmed at 00:01 the next day", at(24, 1)},
			{"confirmed by a webhook retried two days later", at(24, 0).Add(48 * time.Hour)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				clock = at(21, 0)
				x := &fieldportal.Quote{SiteID: w.siteA.ID, Stage: fieldportal.QuoteOutstanding, TotalExTax: 10000, TotalIncTax: 10000,
					DepositKind: fieldportal.DepositPercent, DepositValue: 20, ValidUntil: day}
				if err := db.CreateQuote(ctx, w.staff, x); err != nil {
					t.Fatal(err)
				}
				clock = at(22, 0)
				c := w.startDeposit(t, db, x)
				// Paid at 23:55 on the quote's last valid day; the
				// confirmation comes after midnight.
				clock = tc.confirmAt
				got, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_intime_"+c.ID))
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != fieldportal.CheckoutPaid {
					t.Errorf("checkout status = %s, want paid", got.Status)
				}
				q := mustQuoteStage(t, db, w.staff, x.ID, fieldportal.QuoteApproved)
				if !q.ActionedAt.Equal(at(22, 0)) {
					t.Errorf("quote actioned at %v, want when it was signed, %v", q.ActionedAt, at(22, 0))
				}
				if n := checkoutRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.quote_closed' AND entity_id = $1`, x.ID); n != 0 {
					t.Errorf("%d deposit.quote_closed audit entries, want none", n)
				}
				ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{QuoteID: x.ID})
				if err != nil || len(ds) != 1 || ds[0].Amount != 2000 {
					t.Errorf("FindDeposits = %+v, %v; want the 20.00 deposit", ds, err)
				}
			})
		}
	})
}

// TestDepositAfterOfficeAccepted checks that a deposit confirmed for a
// quote the office accepted meanwhile (no deposit paid yet) is the
// quote's deposit, deducted from the job's invoice, not a second payment
// kept apart.
func TestDepositAfterOfficeAccepted(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newDepositWorld(t, db)
		x := w.quote(t, db, 10000, fieldportal.DepositAmount, 2000)
		c := w.startDeposit(t, db, x)
		if _, err := db.DecideQuote(ctx, w.staff, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Office"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_office_"+c.ID))
		if err != nil {
			t.Fatal(err)
		}
		ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{QuoteID: x.ID})
		if err != nil || len(ds) != 1 || ds[0].PaymentID != got.PaymentID {
			t.Errorf("FindDeposits = %+v, %v; want the payment as the quote's deposit", ds, err)
		}
		if n := checkoutRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.unapplied' AND entity_id = $1`, x.ID); n != 0 {
			t.Errorf("%d deposit.unapplied audit entries, want none", n)
		}
		job := MustMoneyJob(t, db, w.org.ID, w.parent.ID, w.siteA.ID, "J-"+x.Number)
		mustMoneyExec(t, db, `UPDATE jobs SET quote_id = $1, stage = 'complete' WHERE id = $2`, x.ID, job)
		mustInvoicePaid(t, db, w.staff, w.issueFor(t, db, job, 10000).ID, 2000)
	})
}
