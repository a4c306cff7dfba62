package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// checkoutWorld is the money world with two unpaid invoices of the parent
// (sites A and B), one of the child, and a contact of the parent.
type checkoutWorld struct {
	*moneyWorld
	a, b, c *fieldportal.Invoice
	payer   fieldportal.Viewer
}

func newCheckoutWorld(t *testing.T, db *sqlstore.DB) *checkoutWorld {
	t.Helper()
	w := &checkoutWorld{moneyWorld: newMoneyWorld(t, db)}
	day := moneyDay(2026, 3, 1)
	w.a = MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteA.ID, day, 12000))
	w.b = MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteB.ID, day, 3050))
	w.c = MustInvoice(t, db, w.staff, w.invoice(w.child.ID, w.siteC.ID, day, 999))
	w.payer = MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
	mustMoneyExec(t, db, `UPDATE contacts SET email = 'pat@example.test' WHERE id = $1`, w.payer.ContactID)
	return w
}

// MustStartCheckout starts a test-mode checkout of the invoices.
func MustStartCheckout(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, ids ...string) *fieldportal.Checkout {
	tb.Helper()
	c, err := db.StartCheckout(context.Background(), v, fieldportal.StartCheckout{InvoiceIDs: ids, Provider: "testmode", Back: "/invoices"})
	if err != nil {
		tb.Fatalf("StartCheckout(%v): %v", ids, err)
	}
	return c
}

// paid is the provider's confirmation of checkout c for its amount.
func paid(c *fieldportal.Checkout, ref string) fieldportal.CheckoutOutcome {
	return fieldportal.CheckoutOutcome{ProviderID: "cs_" + ref, CheckoutID: c.ID, Paid: true, Amount: c.Amount,
		Currency: c.Currency, PaymentRef: ref}
}

func auditActions(t *testing.T, db *sqlstore.DB, v fieldportal.Viewer) map[string]int {
	t.Helper()
	l, _, err := db.FindAuditLog(context.Background(), v, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range l {
		out[e.Action]++
	}
	return out
}

func checkoutRows(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestStartCheckout(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newCheckoutWorld(t, db)
		t.Run("amount is the sum of the balances", func(t *testing.T) {
			c := MustStartCheckout(t, db, w.payer, w.a.ID, w.b.ID, w.c.ID, w.a.ID)
			if c.Amount != 12000+3050+999 || len(c.Invoices) != 3 || c.Currency == "" || c.Email != "pat@example.test" {
				t.Errorf("checkout = %+v", c)
			}
		})
		site := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID})
		foreign := newMoneyWorld(t, db)
		fx := MustInvoice(t, db, foreign.staff, foreign.invoice(foreign.parent.ID, foreign.siteA.ID, moneyDay(2026, 3, 1), 500))
		noInvoices := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleSites)
		for _, tc := range []struct {
			name string
			v    fieldportal.Viewer
			ids  []string
			code string
		}{
			{"site contact, invoice of another site", site, []string{w.a.ID, w.b.ID}, fieldportal.EINVALID},
			{"another organisation's invoice", w.payer, []string{fx.ID}, fieldportal.EINVALID},
			{"unknown id", w.payer, []string{"nope"}, fieldportal.EINVALID},
			{"no invoice", w.payer, nil, fieldportal.EINVALID},
			{"no Invoices module", noInvoices, []string{w.a.ID}, fieldportal.ENOTFOUND},
			{"staff", w.staff, []string{w.a.ID}, fieldportal.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := checkoutRows(t, db, `SELECT COUNT(*) FROM checkouts`)
				_, err := db.StartCheckout(ctx, tc.v, fieldportal.StartCheckout{InvoiceIDs: tc.ids, Provider: "testmode"})
				if got := fieldportal.ErrorCode(err); got != tc.code {
					t.Errorf("StartCheckout = %v, want code %s", err, tc.code)
				}
				if after := checkoutRows(t, db, `SELECT COUNT(*) FROM checkouts`); after != before {
					t.Errorf("checkouts %d -> %d, want none made", before, after)
				}
			})
		}
		t.Run("paid invoice", func(t *testing.T) {
			MustRecordPayment(t, db, w.staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 3050, Method: "cheque",
				Status: fieldportal.PaymentSucceeded, Allocations: []fieldportal.PaymentAllocation{{InvoiceID: w.b.ID, Amount: 3050}}})
			_, err := db.StartCheckout(ctx, w.payer, fieldportal.StartCheckout{InvoiceIDs: []string{w.b.ID}, Provider: "testmode"})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID || !strings.Contains(fieldportal.ErrorMessage(err), "nothing left to pay") {
				t.Errorf("StartCheckout of a paid invoice = %v", err)
			}
		})
	})
}

func TestConfirmCheckout(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newCheckoutWorld(t, db)
		sys := fieldportal.SystemViewer(w.org.ID, "webhook")

		t.Run("applied once", func(t *testing.T) {
			c := MustStartCheckout(t, db, w.payer, w.a.ID, w.c.ID)
			got, err := db.ConfirmCheckout(ctx, sys, "testmode", paid(c, "pi_once"))
			if err != nil || got.Status != fieldportal.CheckoutPaid || !strings.HasPrefix(got.ReceiptNumber, "R-") {
				t.Fatalf("ConfirmCheckout = %+v, %v", got, err)
			}
			mails := checkoutRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = 'mail' AND topic = 'receipt' AND recipient = 'pat@example.test'`)
			// The same confirmation again, from the return page this time.
			again, err := db.ConfirmCheckout(ctx, w.payer, "testmode", paid(c, "pi_once"))
			if err != nil || again.ReceiptNumber != got.ReceiptNumber {
				t.Fatalf("second ConfirmCheckout = %+v, %v", again, err)
			}
			for _, inv := range []*fieldportal.Invoice{w.a, w.c} {
				if paidAmt, st := MustInvoiceTotal(t, db, w.staff, inv.ID); paidAmt != inv.Total || st != fieldportal.InvoicePaid {
					t.Errorf("invoice %s: paid %d %s, want %d paid", inv.Number, paidAmt, st, inv.Total)
				}
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE provider_ref = 'pi_once'`); n != 1 {
				t.Errorf("%d payments for pi_once, want 1", n)
			}
			if mails != 1 || checkoutRows(t, db, `SELECT COUNT(*) FROM outbox WHERE topic = 'receipt'`) != 1 {
				t.Errorf("receipt mails = %d, want 1 and no second", mails)
			}
		})

		t.Run("amount mismatch refused and logged", func(t *testing.T) {
			c := MustStartCheckout(t, db, w.payer, w.b.ID)
			o := paid(c, "pi_short")
			o.Amount--
			_, err := db.ConfirmCheckout(ctx, sys, "testmode", o)
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("ConfirmCheckout short = %v, want EINVALID", err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE provider_ref = 'pi_short'`); n != 0 {
				t.Errorf("a refused confirmation recorded %d payments", n)
			}
			if auditActions(t, db, w.staff)["checkout.refused"] == 0 {
				t.Error("no checkout.refused audit entry")
			}
			o = paid(c, "pi_currency")
			o.Currency = "XTS"
			if _, err := db.ConfirmCheckout(ctx, sys, "testmode", o); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("ConfirmCheckout in another currency = %v, want EINVALID", err)
			}
		})

		t.Run("unknown or another organisation's checkout refused", func(t *testing.T) {
			c := MustStartCheckout(t, db, w.payer, w.b.ID)
			otherSys := fieldportal.SystemViewer(w.other.ID, "webhook")
			if _, err := db.ConfirmCheckout(ctx, otherSys, "testmode", paid(c, "pi_other")); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("ConfirmCheckout for another organisation = %v, want EINVALID", err)
			}
			o := paid(c, "pi_unknown")
			o.CheckoutID = "nope"
			if _, err := db.ConfirmCheckout(ctx, sys, "testmode", o); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("ConfirmCheckout of an unknown checkout = %v, want EINVALID", err)
			}
			// Another contact's return page neither applies nor spoils it.
			other := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			if _, err := db.ConfirmCheckout(ctx, other, "testmode", paid(c, "pi_b")); err == nil {
				t.Error("another contact confirmed the checkout")
			}
			if got, err := db.ConfirmCheckout(ctx, sys, "testmode", paid(c, "pi_b")); err != nil || got.Status != fieldportal.CheckoutPaid {
				t.Errorf("the webhook's confirmation afterwards = %+v, %v", got, err)
			}
		})

		t.Run("invoice out of the payer's reach by then refused and logged", func(t *testing.T) {
			// The checkout fixed the invoices when it started; the invoice
			// has since gone to a customer the payer does not reach. The
			// confirmation is refused like a mismatch: on the checkout and in
			// the audit log, where staff see the money taken, not applied.
			childPayer := MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)
			x := MustInvoice(t, db, w.staff, w.invoice(w.child.ID, w.siteC.ID, moneyDay(2026, 5, 1), 4200))
			c := MustStartCheckout(t, db, childPayer, x.ID)
			stranger := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Stranger"})
			mustMoneyExec(t, db, `UPDATE invoices SET customer_id = $2, site_id = NULL WHERE id = $1`, x.ID, stranger.ID)
			before := auditActions(t, db, w.staff)["checkout.refused"]
			if _, err := db.ConfirmCheckout(ctx, sys, "testmode", paid(c, "pi_moved")); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("ConfirmCheckout of a moved invoice = %v, want EINVALID", err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE provider_ref = 'pi_moved'`); n != 0 {
				t.Errorf("%d payments recorded for an invoice out of reach", n)
			}
			if auditActions(t, db, w.staff)["checkout.refused"] != before+1 {
				t.Error("no checkout.refused audit entry for the invoice out of reach")
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM checkouts WHERE id = $1 AND status = 'refused'`, c.ID); n != 1 {
				t.Error("the checkout is not marked refused")
			}
		})

		t.Run("invoice paid meanwhile", func(t *testing.T) {
			x := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2026, 4, 1), 10000))
			y := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2026, 4, 2), 2000))
			c := MustStartCheckout(t, db, w.payer, x.ID, y.ID)
			MustRecordPayment(t, db, w.staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 4000, Method: "cheque",
				Status: fieldportal.PaymentSucceeded, Allocations: []fieldportal.PaymentAllocation{{InvoiceID: x.ID, Amount: 4000}}})
			got, err := db.ConfirmCheckout(ctx, sys, "testmode", paid(c, "pi_meanwhile"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := db.FindPaymentByID(ctx, w.staff, got.PaymentID)
			if err != nil {
				t.Fatal(err)
			}
			var allocated fieldportal.Money
			for _, a := range p.Allocations {
				allocated += a.Amount
			}
			if p.Amount != 12000 || allocated != 8000 {
				t.Errorf("payment %d allocated %d, want 12000 received and 8000 allocated", p.Amount, allocated)
			}
			if paidAmt, st := MustInvoiceTotal(t, db, w.staff, x.ID); paidAmt != 10000 || st != fieldportal.InvoicePaid {
				t.Errorf("invoice paid meanwhile: paid %d %s, want 10000 paid (never over-paid)", paidAmt, st)
			}
			if auditActions(t, db, w.staff)["payment.unallocated"] == 0 {
				t.Error("no payment.unallocated audit entry for staff")
			}
		})

		t.Run("killed before commit applies once on the next delivery", func(t *testing.T) {
			x := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteB.ID, moneyDay(2026, 5, 1), 7000))
			c := MustStartCheckout(t, db, w.payer, x.ID)
			died := errors.New("process killed")
			sqlstore.SetBeforeCheckoutCommit(db, func() error { return died })
			_, err := db.ConfirmCheckout(ctx, sys, "testmode", paid(c, "pi_killed"))
			sqlstore.SetBeforeCheckoutCommit(db, nil)
			if !errors.Is(err, died) {
				t.Fatalf("ConfirmCheckout with the fault = %v", err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE provider_ref = 'pi_killed'`); n != 0 {
				t.Fatalf("%d payments after the fault, want 0", n)
			}
			for range 2 { // the redelivery, and one more
				if _, err := db.ConfirmCheckout(ctx, sys, "testmode", paid(c, "pi_killed")); err != nil {
					t.Fatal(err)
				}
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE provider_ref = 'pi_killed'`); n != 1 {
				t.Errorf("%d payments after redelivery, want 1", n)
			}
			if paidAmt, _ := MustInvoiceTotal(t, db, w.staff, x.ID); paidAmt != 7000 {
				t.Errorf("invoice paid %d, want 7000", paidAmt)
			}
		})

		t.Run("not paid applies nothing", func(t *testing.T) {
			x := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteB.ID, moneyDay(2026, 6, 1), 100))
			c := MustStartCheckout(t, db, w.payer, x.ID)
			o := paid(c, "")
			o.Paid = false
			got, err := db.ConfirmCheckout(ctx, w.payer, "testmode", o)
			if err != nil || got.Status != fieldportal.CheckoutOpen {
				t.Errorf("unpaid outcome = %+v, %v", got, err)
			}
		})
	})
}

func TestPaymentKeys(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Keys")
		admin := fieldportal.NewStaffViewer(org.ID, "s1", "Ann", fieldportal.RoleAdmin)
		staff := fieldportal.NewStaffViewer(org.ID, "s2", "Bob", fieldportal.RoleStaff)
		keys := fieldportal.PaymentKeys{PublishableKey: "pk_test_1", SecretKey: "sk_test_secret1234", WebhookSecret: "whsec_abcd5678"}
		if err := db.SavePaymentSettings(ctx, staff, "stripe", keys); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
			t.Errorf("staff saved payment keys: %v", err)
		}
		if err := db.SavePaymentSettings(ctx, admin, "stripe", keys); err != nil {
			t.Fatal(err)
		}
		// An empty secret keeps the saved one.
		if err := db.SavePaymentSettings(ctx, admin, "stripe", fieldportal.PaymentKeys{PublishableKey: "pk_test_2"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindPaymentKeys(ctx, admin)
		want := fieldportal.PaymentKeys{PublishableKey: "pk_test_2", SecretKey: keys.SecretKey, WebhookSecret: keys.WebhookSecret}
		if err != nil || got != want {
			t.Errorf("FindPaymentKeys = %+v, %v; want %+v", got, err, want)
		}
		if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payment_keys WHERE secret_key LIKE '%secret1234%' OR webhook_secret LIKE '%abcd5678%'`); n != 0 {
			t.Error("a secret key is stored in clear")
		}
		if n := checkoutRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%secret1234%' OR detail LIKE '%abcd5678%'`); n != 0 {
			t.Error("a secret key is in the audit log")
		}
		if st, _ := db.FindSettings(ctx, org.ID); st.PaymentProvider != "stripe" {
			t.Errorf("provider = %q, want stripe", st.PaymentProvider)
		}
		if err := db.SavePaymentSettings(ctx, admin, "stripe", fieldportal.PaymentKeys{SecretKey: "nope"}); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
			t.Errorf("a malformed secret key = %v, want EINVALID", err)
		}
	})
}

// The webhook and the return page confirming one checkout at the same
// moment (on PostgreSQL, two instances) apply it once.
func TestConfirmCheckoutRace(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := newCheckoutWorld(t, db)
		c := MustStartCheckout(t, db, w.payer, w.a.ID, w.b.ID)
		o := paid(c, "pi_race")
		errs := make(chan error, 8)
		receipts := make(chan string, 8)
		for n := range 8 {
			v := fieldportal.SystemViewer(w.org.ID, "webhook")
			if n%2 == 0 {
				v = w.payer
			}
			go func() {
				got, err := db.ConfirmCheckout(context.Background(), v, "testmode", o)
				if err == nil {
					receipts <- got.ReceiptNumber
				}
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Errorf("ConfirmCheckout: %v", err)
			}
		}
		close(receipts)
		seen := map[string]bool{}
		for r := range receipts {
			seen[r] = true
		}
		if len(seen) != 1 {
			t.Errorf("receipts %v, want one", seen)
		}
		if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payments WHERE provider_ref = 'pi_race'`); n != 1 {
			t.Errorf("%d payments, want 1", n)
		}
		if paidAmt, _ := MustInvoiceTotal(t, db, w.staff, w.a.ID); paidAmt != w.a.Total {
			t.Errorf("invoice paid %d, want %d", paidAmt, w.a.Total)
		}
	})
}
