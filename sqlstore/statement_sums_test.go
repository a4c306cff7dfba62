package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// stmtTotals is what a statement's page shares with the whole statement.
type stmtTotals struct {
	Opening, Closing fieldportal.Money
	Ageing           fieldportal.Ageing
}

// checkStatementTotals compares the totals of a page of v's statement
// over r (from the statement sums for a contact of site access "all")
// with those of the whole statement, summed from its rows (the slow
// reference), for r and for every month-long and several longer ranges
// between from and to.
func checkStatementTotals(t *testing.T, db *sqlstore.DB, v fieldportal.Viewer, zone *time.Location, from, to fieldportal.Date) {
	t.Helper()
	ctx := context.Background()
	var ranges [][2]fieldportal.Date
	for d := from; !d.After(to); d = d.AddDays(9) {
		ranges = append(ranges, [2]fieldportal.Date{d, d.AddDays(30)}, [2]fieldportal.Date{d, d.AddDays(1)},
			[2]fieldportal.Date{from, d}, [2]fieldportal.Date{d, to.AddDays(200)})
	}
	for _, rg := range ranges {
		r := fieldportal.StatementRequest{From: rg[0], To: rg[1], Zone: zone}
		whole, err := db.StatementFromRows(ctx, v, r)
		if err != nil {
			t.Fatal(err)
		}
		want := stmtTotals{whole.Opening, whole.Closing, whole.Ageing}
		// As read for a contact of few sites, and as for one of many (the
		// walks of the organisation's records in order).
		for _, many := range []bool{false, true} {
			ctx := ctx
			if many {
				ctx = sqlstore.AsManySites(ctx)
			}
			r.Limit = 0
			full, err := db.Statement(ctx, v, r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(whole, full); diff != "" {
				t.Errorf("%v to %v, many sites %v: whole statement (-rows +walk):\n%s", r.From, r.To, many, diff)
			}
			r.Limit = 50
			page, err := db.Statement(ctx, v, r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, stmtTotals{page.Opening, page.Closing, page.Ageing}); diff != "" {
				t.Errorf("%v to %v: totals (-rows +sums):\n%s", r.From, r.To, diff)
			}
			if diff := cmp.Diff(whole.Entries[:min(50, len(whole.Entries))], page.Entries, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%v to %v, many sites %v: first page (-whole +page):\n%s", r.From, r.To, many, diff)
			}
			// The walk of every entry, two of each kind a step.
			r.Limit = 0
			var walked []fieldportal.StatementEntry
			var head stmtTotals
			err = db.EachStatementEntry(ctx, v, r, func(st *fieldportal.Statement) error {
				head = stmtTotals{st.Opening, st.Closing, st.Ageing}
				return nil
			}, func(e fieldportal.StatementEntry) error {
				walked = append(walked, e)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, head); diff != "" {
				t.Errorf("%v to %v: walk's totals (-rows +walk):\n%s", r.From, r.To, diff)
			}
			if diff := cmp.Diff(whole.Entries, walked); diff != "" {
				t.Errorf("%v to %v, many sites %v: walk's entries (-whole +walk):\n%s", r.From, r.To, many, diff)
			}
		}
	}
}

// TestStatementSums checks the statement's totals kept in the sums
// (statement_sums.go) against the statement summed from its rows, for a
// parent contact, a child's, a site contact and staff, after every kind
// of write that changes them: invoices at sites and customer-only ones,
// payments allocated across invoices in and out of a contact's reach, one
// paid near midnight in the organisation's zone, one paid before its
// invoice was issued, a void invoice that had been part paid, refunds, a
// site and a customer moved to another parent, and a change of the
// organisation's time zone.
func TestStatementSums(t *testing.T) {
	sqlstore.SetStatementWalkBatch(t, 2)
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := w.staff
		london, err := time.LoadLocation("Europe/London")
		if err != nil {
			t.Skip(err)
		}
		inv := func(number, customerID, siteID string, issued fieldportal.Date, total fieldportal.Money) *fieldportal.Invoice {
			i := w.invoice(customerID, siteID, issued, total)
			i.Number = number
			return MustInvoice(t, db, staff, i)
		}
		pay := func(receipt string, paid time.Time, allocs ...fieldportal.PaymentAllocation) *fieldportal.Payment {
			var sum fieldportal.Money
			for _, a := range allocs {
				sum += a.Amount
			}
			return MustRecordPayment(t, db, staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: sum, Method: "bank_transfer",
				ReceiptNumber: receipt, Status: fieldportal.PaymentSucceeded, PaidAt: paid, Allocations: allocs})
		}
		alloc := func(i *fieldportal.Invoice, m fieldportal.Money) fieldportal.PaymentAllocation {
			return fieldportal.PaymentAllocation{InvoiceID: i.ID, Amount: m}
		}
		at := func(m time.Month, d, h, min int) time.Time { return time.Date(2025, m, d, h, min, 0, 0, time.UTC) }

		a1 := inv("INV-A1", w.parent.ID, w.siteA.ID, moneyDay(2025, 1, 10), 10000)
		b1 := inv("INV-B1", w.parent.ID, w.siteB.ID, moneyDay(2025, 2, 5), 5000)
		c1 := inv("INV-C1", w.child.ID, w.siteC.ID, moneyDay(2025, 2, 10), 3000)
		n1 := inv("INV-N1", w.parent.ID, "", moneyDay(2025, 2, 15), 2000)
		n2 := inv("INV-N2", w.child.ID, "", moneyDay(2025, 3, 1), 1500)
		e1 := inv("INV-E1", w.parent.ID, w.siteA.ID, moneyDay(2025, 3, 5), 2500)
		x1 := inv("INV-X1", w.parent.ID, w.siteB.ID, moneyDay(2025, 3, 10), 4000)
		old := inv("INV-OLD", w.parent.ID, w.siteB.ID, moneyDay(2024, 6, 1), 800)
		pay("R-1", at(1, 20, 12, 0), alloc(a1, 4000))
		pay("R-2", at(2, 12, 12, 0), alloc(a1, 6000), alloc(b1, 2000), alloc(c1, 3000), alloc(n2, 500))
		r3 := pay("R-3", at(4, 1, 9, 0), alloc(b1, 3000), alloc(n1, 500))
		// 23:30 UTC on 31 March is 00:30 on 1 April in London.
		pay("R-4", at(3, 31, 23, 30), alloc(n1, 1000))
		// Paid before its invoice was issued.
		pay("R-5", at(2, 20, 12, 0), alloc(e1, 1000))
		pay("R-6", at(3, 12, 12, 0), alloc(x1, 1000), alloc(old, 300))

		viewers := map[string]fieldportal.Viewer{
			"staff":             staff,
			"parent contact":    MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil),
			"child contact":     MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil),
			"contact of site A": MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID}),
		}
		check := func(t *testing.T) {
			for name, v := range viewers {
				t.Run(name, func(t *testing.T) {
					checkStatementTotals(t, db, v, london, moneyDay(2024, 12, 20), moneyDay(2025, 5, 10))
				})
			}
		}
		t.Run("after invoices and payments", check)

		// A void invoice that was part paid, and a refund of part of one
		// payment.
		x1.Status = fieldportal.InvoiceVoid
		if err := db.UpdateInvoice(ctx, staff, x1); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RefundPayment(ctx, staff, &fieldportal.PaymentRefund{PaymentID: r3.ID, Amount: 700, Reason: "overpaid", Key: "k1"}); err != nil {
			t.Fatal(err)
		}
		t.Run("after a void and a refund", check)

		// Site B moves to the child; the child moves from under the parent
		// and back.
		siteB := *w.siteB
		siteB.CustomerID = w.child.ID
		if err := db.UpdateSite(ctx, staff, &siteB); err != nil {
			t.Fatal(err)
		}
		t.Run("after a site moved", check)
		child := *w.child
		child.ParentID = ""
		if err := db.UpdateCustomer(ctx, staff, &child); err != nil {
			t.Fatal(err)
		}
		// Not the child's own statement now: its rows read payments only of
		// the customers above it (statementPaymentScope), and the parent's
		// payments to its invoices are no longer found there, while the
		// sums keep them (a difference of the rows' reading, left alone).
		t.Run("after a customer moved away", func(t *testing.T) {
			for _, name := range []string{"staff", "parent contact", "contact of site A"} {
				t.Run(name, func(t *testing.T) {
					checkStatementTotals(t, db, viewers[name], london, moneyDay(2024, 12, 20), moneyDay(2025, 5, 10))
				})
			}
		})
		child.ParentID = w.parent.ID
		if err := db.UpdateCustomer(ctx, staff, &child); err != nil {
			t.Fatal(err)
		}
		t.Run("after it moved back", check)

		// Another zone: the sums are taken again in it.
		o, err := db.FindOrganisationByID(ctx, w.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		o.TimeZone = "America/New_York"
		if err := db.UpdateOrganisation(ctx, staff, o); err != nil {
			t.Fatal(err)
		}
		newYork, _ := time.LoadLocation("America/New_York")
		pay("R-7", at(5, 2, 3, 0), alloc(e1, 500))
		for name, v := range viewers {
			t.Run("in another zone/"+name, func(t *testing.T) {
				checkStatementTotals(t, db, v, newYork, moneyDay(2024, 12, 20), moneyDay(2025, 5, 10))
			})
		}
	})
}

// TestStatementSumsConcurrent has writers add invoices and payments under
// one parent at once and checks the parent's sums against its rows.
func TestStatementSumsConcurrent(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := newMoneyWorld(t, db)
		staff := w.staff
		sites := []*fieldportal.Site{w.siteA, w.siteB, w.siteC}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				for n := range 5 {
					s := sites[(g+n)%len(sites)]
					i := w.invoice(s.CustomerID, s.ID, moneyDay(2025, 3, 1+n), fieldportal.Money(1000*(g+1)))
					i.Number = fmt.Sprintf("INV-%d-%d", g, n)
					if err := db.CreateInvoice(ctx, staff, i); err != nil {
						errs <- err
						return
					}
					p := &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 400, Method: "card", ReceiptNumber: fmt.Sprintf("R-%d-%d", g, n),
						Status: fieldportal.PaymentSucceeded, PaidAt: time.Date(2025, 3, 2+n, 12, 0, 0, 0, time.UTC),
						Allocations: []fieldportal.PaymentAllocation{{InvoiceID: i.ID, Amount: 400}}}
					if _, err := db.RecordPayment(ctx, staff, p); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		london, _ := time.LoadLocation("Europe/London")
		v := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
		checkStatementTotals(t, db, v, london, moneyDay(2025, 2, 25), moneyDay(2025, 3, 10))
		st, err := db.Statement(context.Background(), v, fieldportal.StatementRequest{From: moneyDay(2025, 1, 1), To: moneyDay(2025, 12, 31), Zone: london, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		// 5 invoices each of 1,000 to 4,000, less 400 paid on each.
		if want := fieldportal.Money(5*(1000+2000+3000+4000) - 20*400); st.Closing != want {
			t.Errorf("closing %v, want %v", st.Closing, want)
		}
	})
}

// TestStatementSumsZoneChangeRace changes the organisation's time zone
// while a payment's commit recounts its customer's statement sums, just
// after the recount read the zone: the sums must end in the new zone
// (PostgreSQL; SQLite has one writer). The payment, at 02:00 UTC, falls
// on 6 March in London and on 5 March in New York, and the statements
// checked start on 6 March among others.
func TestStatementSumsZoneChangeRace(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		newYork, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Skip(err)
		}
		setZone := func(zone string) error {
			o, err := db.FindOrganisationByID(ctx, w.org.ID)
			if err != nil {
				return err
			}
			o.TimeZone = zone
			return db.UpdateOrganisation(ctx, w.staff, o)
		}
		if err := setZone("Europe/London"); err != nil {
			t.Fatal(err)
		}
		c1 := w.invoice(w.child.ID, w.siteC.ID, moneyDay(2025, 3, 1), 5000)
		c1.Number = "INV-C1"
		MustInvoice(t, db, w.staff, c1)

		reached, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		sqlstore.SetAfterStatementZone(db, func() {
			once.Do(func() {
				close(reached)
				<-release
			})
		})
		defer sqlstore.SetAfterStatementZone(db, nil)
		paid := make(chan error, 1)
		go func() {
			_, err := db.RecordPayment(ctx, w.staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 2000, Method: "card",
				ReceiptNumber: "R-1", Status: fieldportal.PaymentSucceeded, PaidAt: time.Date(2025, 3, 6, 2, 0, 0, 0, time.UTC),
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: c1.ID, Amount: 2000}}})
			paid <- err
		}()
		select {
		case <-reached:
		case err := <-paid:
			t.Fatalf("the payment's commit did not recount the sums: %v", err)
		}
		moved := make(chan error, 1)
		go func() { moved <- setZone("America/New_York") }()
		// The change of zone runs to its end meanwhile unless it waits for
		// the payment's transaction.
		select {
		case err := <-moved:
			moved <- err
		case <-time.After(2 * time.Second):
		}
		close(release)
		if err := <-paid; err != nil {
			t.Fatal(err)
		}
		if err := <-moved; err != nil {
			t.Fatal(err)
		}
		sqlstore.SetAfterStatementZone(db, nil)
		v := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
		checkStatementTotals(t, db, v, newYork, moneyDay(2025, 2, 25), moneyDay(2025, 3, 10))
	})
}
