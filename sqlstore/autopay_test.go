package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// fakeGateway charges saved cards as a provider would: the same
// idempotency key charges once and answers the same reference; cards in
// decline are declined.
type fakeGateway struct {
	mu      sync.Mutex
	calls   int
	charges map[string]fieldportal.ChargeOutcome
	decline map[string]bool
	down    bool
	delay   time.Duration
	// onCharge, if set, runs as the provider takes a charge: what happens
	// elsewhere meanwhile.
	onCharge func(fieldportal.OffSessionCharge)
}

func newFakeGateway() *fakeGateway {
	return &fakeGateway{charges: map[string]fieldportal.ChargeOutcome{}, decline: map[string]bool{}}
}

func (g *fakeGateway) Provider() string { return fieldportal.ProviderTestMode }
func (g *fakeGateway) StartCheckout(context.Context, fieldportal.CheckoutRequest) (fieldportal.HostedPage, error) {
	return fieldportal.HostedPage{}, errors.New("not used")
}
func (g *fakeGateway) CheckoutOutcome(context.Context, string) (fieldportal.CheckoutOutcome, error) {
	return fieldportal.CheckoutOutcome{}, errors.New("not used")
}
func (g *fakeGateway) StartCardSetup(context.Context, fieldportal.CardSetupRequest) (fieldportal.HostedPage, error) {
	return fieldportal.HostedPage{}, errors.New("not used")
}
func (g *fakeGateway) CardSetupOutcome(context.Context, string) (fieldportal.CardSetupOutcome, error) {
	return fieldportal.CardSetupOutcome{}, errors.New("not used")
}
func (g *fakeGateway) Refund(context.Context, fieldportal.RefundRequest) (fieldportal.RefundOutcome, error) {
	return fieldportal.RefundOutcome{}, errors.New("not used")
}
func (g *fakeGateway) ParseEvent([]byte, string) (fieldportal.PaymentEvent, error) {
	return fieldportal.PaymentEvent{}, errors.New("not used")
}

func (g *fakeGateway) ChargeSavedCard(_ context.Context, c fieldportal.OffSessionCharge) (fieldportal.ChargeOutcome, error) {
	time.Sleep(g.delay) // widens the window in which a second worker could charge too
	if g.onCharge != nil {
		g.onCharge(c)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	if g.down {
		return fieldportal.ChargeOutcome{}, errors.New("provider unreachable")
	}
	if out, ok := g.charges[c.IdempotencyKey]; ok {
		return out, nil
	}
	out := fieldportal.ChargeOutcome{Succeeded: true, PaymentRef: "pi_" + c.IdempotencyKey}
	if g.decline[c.CardRef] {
		out = fieldportal.ChargeOutcome{FailureReason: "Your card was declined."}
	}
	g.charges[c.IdempotencyKey] = out
	return out, nil
}

func (g *fakeGateway) open(context.Context, string) (fieldportal.PaymentGateway, error) {
	return g, nil
}

func (g *fakeGateway) callCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

func mustAutopayCount(tb testing.TB, db *sqlstore.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatalf("count %q: %v", q, err)
	}
	return n
}

// mustStatementContact makes a statement contact with an address and a
// login of the customer (site access all, every page).
func mustStatementContact(tb testing.TB, db *sqlstore.DB, orgID, customerID, email string) fieldportal.Viewer {
	tb.Helper()
	v := MustMoneyContact(tb, db, orgID, customerID, fieldportal.SiteAccessAll, nil)
	mustMoneyExec(tb, db, `UPDATE contacts SET statement_contact = TRUE, email = $2 WHERE id = $1`, v.ContactID, email)
	mustMoneyExec(tb, db, `UPDATE portal_logins SET page_access = $2 WHERE id = $1`, v.LoginID, fieldportal.Modules(fieldportal.AllModules).String())
	return v
}

func TestRaiseDueRecurring(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		mustStatementContact(t, db, w.org.ID, w.parent.ID, "accounts@group.example")
		card := &fieldportal.SavedCard{CustomerID: w.parent.ID, Provider: "testmode", ProviderRef: "pm_good", Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2030}
		if err := db.PutSavedCard(ctx, w.staff, card); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		schedule := func(name string, due fieldportal.Date, autopay bool) *fieldportal.RecurringInvoice {
			return MustRecurring(t, db, w.staff, &fieldportal.RecurringInvoice{Name: name, SiteID: w.siteA.ID,
				TotalIncTax: 12000, Frequency: fieldportal.Monthly, NextDueDate: due, Autopay: autopay, Active: true})
		}
		raised := func(r *fieldportal.RecurringInvoice) []string {
			t.Helper()
			rows, err := db.SQL().QueryContext(ctx, `SELECT external_id FROM invoices WHERE external_id LIKE $1 ORDER BY external_id`, "recurring:"+r.ID+":%")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s[len("recurring:"+r.ID+":"):])
			}
			return out
		}

		t.Run("two workers racing raise once and charge once", func(t *testing.T) {
			r := schedule("Racing plan", moneyDay(2025, 3, 1), true)
			g := newFakeGateway()
			g.delay = 50 * time.Millisecond
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = db.RaiseDueRecurring(ctx, now, "worker-"+string(rune('a'+i)), g.open)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("worker: %v", err)
				}
			}
			if got := raised(r); len(got) != 1 || got[0] != "2025-03-01" {
				t.Errorf("raised %v, want one invoice for 2025-03-01", got)
			}
			if n := g.callCount(); n != 1 {
				t.Errorf("provider charged %d times, want 1", n)
			}
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM payments p JOIN payment_allocations pa ON pa.payment_id = p.id
				JOIN invoices i ON i.id = pa.invoice_id WHERE i.external_id = $1 AND p.status = 'succeeded'`, "recurring:"+r.ID+":2025-03-01"); n != 1 {
				t.Errorf("%d payments, want 1", n)
			}
			got, err := db.FindRecurringInvoiceByID(ctx, w.staff, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.NextDueDate != moneyDay(2025, 4, 1) || got.LastPaymentDate != moneyDay(2025, 3, 1) {
				t.Errorf("next due %v, last paid %v", got.NextDueDate, got.LastPaymentDate)
			}
			var invID string
			if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM invoices WHERE external_id = $1`, "recurring:"+r.ID+":2025-03-01").Scan(&invID); err != nil {
				t.Fatal(err)
			}
			if paid, status := MustInvoiceTotal(t, db, w.staff, invID); paid != 12000 || status != fieldportal.InvoicePaid {
				t.Errorf("invoice paid %v, %s", paid, status)
			}
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM outbox WHERE topic = 'receipt' AND recipient = 'accounts@group.example'`); n != 1 {
				t.Errorf("%d receipts mailed, want 1", n)
			}
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM audit_log WHERE action = 'autopay.charged' AND entity_id = $1`, invID); n != 1 {
				t.Errorf("%d audit rows, want 1", n)
			}
			// A later pass on the same day does nothing more.
			run, err := db.RaiseDueRecurring(ctx, now, "worker-a", g.open)
			if err != nil || run != (sqlstore.RecurringRun{}) || g.callCount() != 1 {
				t.Errorf("second pass: %+v %v, %d calls", run, err, g.callCount())
			}
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET active = FALSE WHERE id = $1`, r.ID)
		})

		t.Run("month ends keep the anchor day", func(t *testing.T) {
			r := schedule("Month end plan", moneyDay(2024, 1, 31), false)
			for _, day := range []fieldportal.Date{moneyDay(2024, 1, 31), moneyDay(2024, 2, 29), moneyDay(2024, 3, 31), moneyDay(2024, 4, 30)} {
				if _, err := db.RaiseDueRecurring(ctx, day.Time().Add(time.Hour), "w", nil); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"}
			if got := raised(r); len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
				t.Errorf("raised on %v, want %v", got, want)
			}
			got, _ := db.FindRecurringInvoiceByID(ctx, w.staff, r.ID)
			if got.NextDueDate != moneyDay(2024, 5, 31) {
				t.Errorf("next due %v", got.NextDueDate)
			}
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET active = FALSE WHERE id = $1`, r.ID)
		})

		t.Run("a schedule behind raises each missed period once", func(t *testing.T) {
			r := schedule("Behind plan", moneyDay(2024, 12, 15), false)
			if _, err := db.RaiseDueRecurring(ctx, now, "w", nil); err != nil {
				t.Fatal(err)
			}
			if got := raised(r); len(got) != 3 {
				t.Errorf("raised %v, want Dec, Jan, Feb", got)
			}
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET active = FALSE WHERE id = $1`, r.ID)
		})

		t.Run("a declined charge is recorded and mailed and the invoice stays unpaid", func(t *testing.T) {
			r := schedule("Declined plan", moneyDay(2025, 3, 1), true)
			g := newFakeGateway()
			g.decline["pm_good"] = true
			run, err := db.RaiseDueRecurring(ctx, now, "w", g.open)
			if err != nil || run.Raised != 1 || run.Failed != 1 || run.Charged != 0 {
				t.Fatalf("run %+v, %v", run, err)
			}
			var invID, status, reason string
			if err := db.SQL().QueryRowContext(ctx, `SELECT invoice_id, status, failure_reason FROM autopay_charges WHERE recurring_id = $1`, r.ID).Scan(&invID, &status, &reason); err != nil {
				t.Fatal(err)
			}
			if status != "failed" || reason != "Your card was declined." {
				t.Errorf("charge %s %q", status, reason)
			}
			if paid, st := MustInvoiceTotal(t, db, w.staff, invID); paid != 0 || st != fieldportal.InvoiceUnpaid {
				t.Errorf("invoice paid %v, %s", paid, st)
			}
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM outbox WHERE topic = 'autopay_failed' AND recipient = 'accounts@group.example'`); n != 1 {
				t.Errorf("%d failure mails, want 1", n)
			}
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM audit_log WHERE action = 'autopay.charge_failed' AND entity_id = $1`, invID); n != 1 {
				t.Errorf("%d audit rows, want 1", n)
			}
			if _, err := db.RaiseDueRecurring(ctx, now.Add(time.Hour), "w", g.open); err != nil || g.callCount() != 1 {
				t.Errorf("a failed charge is not retried: %d calls, %v", g.callCount(), err)
			}
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET active = FALSE WHERE id = $1`, r.ID)
		})

		t.Run("an unreachable provider is retried after the lease with the same key", func(t *testing.T) {
			r := schedule("Retried plan", moneyDay(2025, 3, 1), true)
			g := newFakeGateway()
			g.down = true
			if run, err := db.RaiseDueRecurring(ctx, now, "w", g.open); err != nil || run.Charged != 0 || run.Failed != 0 {
				t.Fatalf("run %+v, %v", run, err)
			}
			g.down = false
			if run, _ := db.RaiseDueRecurring(ctx, now.Add(time.Minute), "w", g.open); run.Charged != 0 {
				t.Errorf("charged within the lease: %+v", run)
			}
			if run, err := db.RaiseDueRecurring(ctx, now.Add(10*time.Minute), "w", g.open); err != nil || run.Charged != 1 {
				t.Errorf("after the lease: %+v %v", run, err)
			}
			if got := raised(r); len(got) != 1 {
				t.Errorf("raised %v", got)
			}
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET active = FALSE WHERE id = $1`, r.ID)
		})

		t.Run("without auto-pay or card the invoice is raised and not charged", func(t *testing.T) {
			off := schedule("Manual plan", moneyDay(2025, 3, 1), false)
			child := MustRecurring(t, db, w.staff, &fieldportal.RecurringInvoice{Name: "Child plan", SiteID: w.siteC.ID,
				TotalIncTax: 5000, Frequency: fieldportal.Quarterly, NextDueDate: moneyDay(2025, 3, 1), Autopay: true, Active: true})
			g := newFakeGateway()
			run, err := db.RaiseDueRecurring(ctx, now, "w", g.open)
			if err != nil || run.Raised != 2 || g.callCount() != 0 {
				t.Errorf("run %+v %v, %d calls", run, err, g.callCount())
			}
			if len(raised(off)) != 1 || len(raised(child)) != 1 {
				t.Errorf("raised %v %v", raised(off), raised(child))
			}
			got, _ := db.FindRecurringInvoiceByID(ctx, w.staff, child.ID)
			if got.NextDueDate != moneyDay(2025, 6, 1) {
				t.Errorf("quarterly next due %v", got.NextDueDate)
			}
		})

		t.Run("an invoice paid while the card is charged keeps the money taken", func(t *testing.T) {
			r := schedule("Paid meanwhile plan", moneyDay(2025, 3, 1), true)
			external := "recurring:" + r.ID + ":2025-03-01"
			g := newFakeGateway()
			var invID string
			g.onCharge = func(fieldportal.OffSessionCharge) {
				// The contact pays the invoice online as the worker charges it.
				if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM invoices WHERE external_id = $1`, external).Scan(&invID); err != nil {
					t.Error(err)
					return
				}
				var customerID string
				if err := db.SQL().QueryRowContext(ctx, `SELECT customer_id FROM invoices WHERE id = $1`, invID).Scan(&customerID); err != nil {
					t.Error(err)
					return
				}
				p := &fieldportal.Payment{CustomerID: customerID, Amount: 12000, Method: "card", Provider: "stripe", ProviderRef: "pi_meanwhile",
					Status: fieldportal.PaymentSucceeded, Allocations: []fieldportal.PaymentAllocation{{InvoiceID: invID, Amount: 12000}}}
				if _, err := db.RecordPayment(ctx, w.staff, p); err != nil {
					t.Error(err)
				}
			}
			run, err := db.RaiseDueRecurring(ctx, now, "w", g.open)
			if err != nil || run.Charged != 1 {
				t.Fatalf("run %+v, %v", run, err)
			}
			// The card was charged: the money is on record, not over the
			// invoice's total, and the charge is settled.
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM payments WHERE provider_ref = $1 AND amount = 12000 AND status = 'succeeded'`,
				"pi_autopay:"+r.ID+":2025-03-01"); n != 1 {
				t.Errorf("%d payments of the charge, want 1", n)
			}
			if paid, st := MustInvoiceTotal(t, db, w.staff, invID); paid != 12000 || st != fieldportal.InvoicePaid {
				t.Errorf("invoice paid %v, %s", paid, st)
			}
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM autopay_charges WHERE recurring_id = $1 AND status = 'succeeded'`, r.ID); n != 1 {
				t.Errorf("charge not settled")
			}
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM audit_log WHERE action = 'payment.unallocated'`); n != 1 {
				t.Errorf("%d unallocated audit rows, want 1", n)
			}
			if _, err := db.RaiseDueRecurring(ctx, now.Add(time.Hour), "w", g.open); err != nil || g.callCount() != 1 {
				t.Errorf("charged again: %d calls, %v", g.callCount(), err)
			}
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET active = FALSE WHERE id = $1`, r.ID)
		})

		t.Run("a schedule that cannot be raised does not stop the others", func(t *testing.T) {
			// Its site now belongs to another customer than the schedule's
			// (the site was moved): raising it fails on every pass.
			stuck := schedule("Stuck plan", moneyDay(2025, 2, 1), false)
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET customer_id = $2 WHERE id = $1`, stuck.ID, w.child.ID)
			later := schedule("Later plan", moneyDay(2025, 2, 15), false)
			run, err := db.RaiseDueRecurring(ctx, now, "w", nil)
			if err == nil || !strings.Contains(err.Error(), stuck.ID) {
				t.Errorf("error %v, want the stuck schedule's", err)
			}
			if got := raised(later); len(got) != 1 || run.Raised != 1 {
				t.Errorf("later schedule raised %v (run %+v), want 15 February", got, run)
			}
			if got := raised(stuck); len(got) != 0 {
				t.Errorf("stuck schedule raised %v", got)
			}
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET active = FALSE WHERE id IN ($1, $2)`, stuck.ID, later.ID)
		})

		t.Run("a raised invoice is mailed and emitted as an issued one is", func(t *testing.T) {
			mustMoneyExec(t, db, `UPDATE contacts SET invoice_contact = TRUE WHERE email = $1`, "accounts@group.example")
			r := schedule("Mailed plan", moneyDay(2025, 3, 1), false)
			if _, err := db.RaiseDueRecurring(ctx, now, "w", nil); err != nil {
				t.Fatal(err)
			}
			if got := raised(r); len(got) != 1 {
				t.Fatalf("raised %v", got)
			}
			if n := mustAutopayCount(t, db, `SELECT count(*) FROM outbox WHERE topic = 'invoice_issued' AND recipient = 'accounts@group.example'`); n != 1 {
				t.Errorf("%d invoice mails, want 1", n)
			}
			mustMoneyExec(t, db, `UPDATE contacts SET invoice_contact = FALSE WHERE email = $1`, "accounts@group.example")
			mustMoneyExec(t, db, `UPDATE recurring_invoices SET active = FALSE WHERE id = $1`, r.ID)
		})

		t.Run("auto-pay cancelled after raising skips the charge", func(t *testing.T) {
			r := schedule("Cancelled plan", moneyDay(2025, 3, 5), true)
			if _, err := db.RaiseDueRecurring(ctx, now.AddDate(0, 0, 4), "w", nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CancelAutopay(ctx, w.staff, r.ID); err != nil {
				t.Fatal(err)
			}
			g := newFakeGateway()
			run, err := db.RaiseDueRecurring(ctx, now.AddDate(0, 0, 4), "w", g.open)
			if err != nil || run.Skipped != 1 || g.callCount() != 0 {
				t.Errorf("run %+v %v, %d calls", run, err, g.callCount())
			}
		})
	})
}

func TestConfirmCardSetup(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		outcome := func(customerID, ref string) fieldportal.CardSetupOutcome {
			return fieldportal.CardSetupOutcome{ProviderID: "seti_" + ref, CustomerID: customerID, Done: true,
				Card: fieldportal.SavedCard{Provider: "testmode", ProviderRef: ref, Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2031}}
		}
		parentAll := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
		childAll := MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)
		assigned := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID})
		noModule := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleInvoices)
		otherOrg := fieldportal.SystemViewer(w.other.ID, "test")

		for _, c := range []struct {
			name     string
			v        fieldportal.Viewer
			customer string
			ok       bool
		}{
			{"parent saves the parent's card", parentAll, w.parent.ID, true},
			{"parent saves a child's card", parentAll, w.child.ID, true},
			{"child cannot save the parent's card", childAll, w.parent.ID, false},
			{"assigned-sites contact cannot save a card", assigned, w.parent.ID, false},
			{"contact without the module cannot", noModule, w.parent.ID, false},
			{"another organisation cannot", otherOrg, w.parent.ID, false},
			{"staff saves any customer's card", w.staff, w.child.ID, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				ref := "pm_" + sqlstore.NewID()
				got, err := db.ConfirmCardSetup(ctx, c.v, outcome(c.customer, ref))
				if !c.ok {
					if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
						t.Fatalf("err = %v, want not found", err)
					}
					if n := mustAutopayCount(t, db, `SELECT count(*) FROM saved_cards WHERE provider_ref = $1`, ref); n != 0 {
						t.Errorf("card saved out of reach")
					}
					return
				}
				if err != nil || got.CustomerID != c.customer || got.ProviderRef != ref {
					t.Fatalf("%+v %v", got, err)
				}
				if n := mustAutopayCount(t, db, `SELECT count(*) FROM saved_cards WHERE customer_id = $1`, c.customer); n != 1 {
					t.Errorf("%d cards, want 1", n)
				}
				if n := mustAutopayCount(t, db, `SELECT count(*) FROM audit_log WHERE action = 'saved_card.changed' AND entity_id = $1 AND org_id = $2`, c.customer, w.org.ID); n == 0 {
					t.Errorf("not audited")
				}
			})
		}
		t.Run("a set-up not done saves nothing", func(t *testing.T) {
			o := outcome(w.parent.ID, "pm_undone")
			o.Done = false
			if _, err := db.ConfirmCardSetup(ctx, parentAll, o); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("err = %v", err)
			}
		})
	})
}

func TestCancelAutopayMailsStatementContacts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		mustStatementContact(t, db, w.org.ID, w.parent.ID, "accounts@group.example")
		assignedB := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteB.ID})
		mustMoneyExec(t, db, `UPDATE contacts SET statement_contact = TRUE, email = 'b@group.example' WHERE id = $1`, assignedB.ContactID)
		mustMoneyExec(t, db, `UPDATE portal_logins SET page_access = $2 WHERE id = $1`, assignedB.LoginID, fieldportal.Modules(fieldportal.AllModules).String())
		r := MustRecurring(t, db, w.staff, &fieldportal.RecurringInvoice{Name: "Alarm monitoring", SiteID: w.siteA.ID,
			TotalIncTax: 12000, Frequency: fieldportal.Monthly, NextDueDate: moneyDay(2025, 6, 1), Autopay: true, Active: true})
		if _, err := db.CancelAutopay(ctx, w.staff, r.ID); err != nil {
			t.Fatal(err)
		}
		// The statement contact who sees site A is told; the one limited
		// to site B is not (SPEC §2: no mail of a record out of reach).
		if n := mustAutopayCount(t, db, `SELECT count(*) FROM outbox WHERE topic = 'autopay_cancelled' AND recipient = 'accounts@group.example'
			AND subject = 'Automatic payment cancelled for Alarm monitoring'`); n != 1 {
			t.Errorf("%d mails to the statement contact, want 1", n)
		}
		if n := mustAutopayCount(t, db, `SELECT count(*) FROM outbox WHERE topic = 'autopay_cancelled' AND recipient = 'b@group.example'`); n != 0 {
			t.Errorf("mailed a contact out of reach")
		}
		if _, err := db.CancelAutopay(ctx, w.staff, r.ID); err != nil {
			t.Fatal(err)
		}
		if n := mustAutopayCount(t, db, `SELECT count(*) FROM outbox WHERE topic = 'autopay_cancelled'`); n != 1 {
			t.Errorf("a second cancel mailed again: %d", n)
		}
	})
}

func TestRecurringSearch(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		mk := func(name, siteID string) *fieldportal.RecurringInvoice {
			return MustRecurring(t, db, w.staff, &fieldportal.RecurringInvoice{Name: name, SiteID: siteID, TotalIncTax: 100,
				Frequency: fieldportal.Weekly, NextDueDate: moneyDay(2025, 1, 1), Active: true})
		}
		alarm, sprinkler, child := mk("Alarm 100%", w.siteA.ID), mk("Sprinkler", w.siteB.ID), mk("Child lights", w.siteC.ID)
		for _, c := range []struct {
			search string
			want   []*fieldportal.RecurringInvoice
		}{
			{"alarm", []*fieldportal.RecurringInvoice{alarm}},
			{"SPRINK", []*fieldportal.RecurringInvoice{sprinkler}},
			{"group", []*fieldportal.RecurringInvoice{alarm, sprinkler}}, // the parent customer's name
			{"child", []*fieldportal.RecurringInvoice{child}},
			{"100%", []*fieldportal.RecurringInvoice{alarm}},
			{"1%0", nil}, // a typed % is not a wildcard
		} {
			t.Run(c.search, func(t *testing.T) {
				got, _, err := db.FindRecurringInvoices(ctx, w.staff, fieldportal.RecurringInvoiceFilter{Search: c.search})
				if err != nil {
					t.Fatal(err)
				}
				if g, want := moneyIDs(got), moneyIDs(c.want); !slices.Equal(g, want) {
					t.Errorf("found %v, want %v", g, want)
				}
			})
		}
		t.Run("another organisation finds none", func(t *testing.T) {
			got, _, err := db.FindRecurringInvoices(ctx, fieldportal.SystemViewer(w.other.ID, "test"), fieldportal.RecurringInvoiceFilter{Search: "alarm"})
			if err != nil || len(got) != 0 {
				t.Errorf("%v %v", moneyIDs(got), err)
			}
		})
	})
}
