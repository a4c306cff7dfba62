package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestEachStatementEntryOrder walks statements whose entries straddle
// days: invoices on the range's first and last days with numbers that
// sort as text (INV-10 < INV-100 < INV-9), payments paid in the order
// opposite to their receipt numbers, at the same instant, at the range's
// first instant and its last second, around midnight in the zone and in
// UTC on both of London's DST days, one on a void invoice only and ones
// on site B only (nothing of site A's contact). EachStatementEntry (on
// SQLite one merge of two ordered reads) must give, entry by entry, the
// statement read from its rows and the pages of Statement, in
// fieldportal.StatementOrder, for every viewer, walked or not, in three
// zones.
func TestEachStatementEntryOrder(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := w.staff
		inv := func(number, customerID, siteID string, issued fieldportal.Date, total fieldportal.Money) *fieldportal.Invoice {
			i := w.invoice(customerID, siteID, issued, total)
			i.Number = number
			return MustInvoice(t, db, staff, i)
		}
		type part struct {
			i *fieldportal.Invoice
			m fieldportal.Money
		}
		pay := func(customerID, receipt string, paid time.Time, parts ...part) *fieldportal.Payment {
			p := &fieldportal.Payment{CustomerID: customerID, Method: "bank_transfer", ReceiptNumber: receipt,
				Status: fieldportal.PaymentSucceeded, PaidAt: paid}
			for _, x := range parts {
				p.Amount += x.m
				p.Allocations = append(p.Allocations, fieldportal.PaymentAllocation{InvoiceID: x.i.ID, Amount: x.m})
			}
			return MustRecordPayment(t, db, staff, p)
		}
		utc := func(m time.Month, d, h, min, s int) time.Time { return time.Date(2025, m, d, h, min, s, 0, time.UTC) }

		first, last := moneyDay(2025, 3, 28), moneyDay(2025, 10, 27)
		before := inv("INV-0", w.parent.ID, w.siteA.ID, moneyDay(2025, 3, 27), 90000)
		a10 := inv("INV-10", w.parent.ID, w.siteA.ID, first, 10000)
		b9 := inv("INV-9", w.parent.ID, w.siteB.ID, first, 9000)
		c100 := inv("INV-100", w.child.ID, w.siteC.ID, first, 10000)
		a30 := inv("INV-30A", w.parent.ID, w.siteA.ID, moneyDay(2025, 3, 30), 30000)
		b30 := inv("INV-30B", w.parent.ID, w.siteB.ID, moneyDay(2025, 3, 30), 30000)
		n31 := inv("INV-31N", w.parent.ID, "", moneyDay(2025, 3, 31), 3100)
		a26 := inv("INV-26A", w.parent.ID, w.siteA.ID, moneyDay(2025, 10, 26), 26000)
		aLast := inv("INV-LA", w.parent.ID, w.siteA.ID, last, 5000)
		bLast := inv("INV-LB", w.parent.ID, w.siteB.ID, last, 5000)
		inv("INV-AFTER", w.parent.ID, w.siteA.ID, last.AddDays(1), 7000)
		void := inv("INV-V", w.parent.ID, w.siteA.ID, moneyDay(2025, 3, 29), 4000)

		// Before the range, at its first instant (London is on GMT), and
		// on site B only.
		pay(w.parent.ID, "R-001", utc(3, 27, 23, 59, 59), part{before, 100})
		pay(w.parent.ID, "R-900", utc(3, 28, 0, 0, 0), part{a10, 200}, part{b9, 300})
		pay(w.parent.ID, "R-100", utc(3, 28, 0, 0, 0), part{b9, 400})
		pay(w.child.ID, "R-050", utc(3, 28, 12, 0, 0), part{c100, 500})
		// A void invoice's part only: nothing of anyone's.
		pay(w.parent.ID, "R-055", utc(3, 29, 10, 0, 0), part{void, 600})
		// 29 March 23:30 UTC is 23:30 GMT; on 30 March (clocks forward at
		// 01:00 UTC) 00:30 UTC is 00:30 GMT, 01:30 UTC is 02:30 BST, and
		// 23:30 UTC is 00:30 BST on the 31st. Receipts in the order
		// opposite to the order paid, site B's among them.
		pay(w.parent.ID, "R-300", utc(3, 29, 23, 30, 0), part{a10, 700})
		pay(w.parent.ID, "R-309", utc(3, 30, 0, 30, 0), part{a30, 800})
		pay(w.parent.ID, "R-308", utc(3, 30, 1, 30, 0), part{b30, 900})
		pay(w.parent.ID, "R-307", utc(3, 30, 12, 0, 0), part{a30, 1000}, part{b30, 1100})
		pay(w.parent.ID, "R-3010", utc(3, 30, 22, 59, 59), part{b30, 1200})
		pay(w.parent.ID, "R-306", utc(3, 30, 23, 0, 0), part{a30, 1300})
		pay(w.parent.ID, "R-305", utc(3, 30, 23, 30, 0), part{n31, 1400})
		pay(w.parent.ID, "R-304", utc(3, 31, 0, 30, 0), part{b30, 1500})
		// 25 October 23:30 UTC is 00:30 BST on the 26th; clocks go back on
		// the 26th at 01:00 UTC, so 26 October 23:30 UTC is 23:30 GMT.
		pay(w.parent.ID, "R-262", utc(10, 25, 23, 30, 0), part{a26, 1600})
		pay(w.parent.ID, "R-261", utc(10, 26, 0, 30, 0), part{b30, 1700})
		pay(w.parent.ID, "R-260", utc(10, 26, 23, 30, 0), part{a26, 1800})
		// The range's last second and the first instant after it.
		pay(w.parent.ID, "R-271", utc(10, 27, 23, 59, 59), part{aLast, 1900}, part{bLast, 2000})
		pay(w.parent.ID, "R-270", utc(10, 27, 0, 0, 0), part{bLast, 2100})
		pay(w.parent.ID, "R-280", utc(10, 28, 0, 0, 0), part{aLast, 2200})
		void.Status = fieldportal.InvoiceVoid
		if err := db.UpdateInvoice(ctx, staff, void); err != nil {
			t.Fatal(err)
		}

		viewers := []struct {
			name string
			v    fieldportal.Viewer
		}{
			{"staff", staff},
			{"parent contact", MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)},
			{"child contact", MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)},
			{"contact of site A", MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID})},
		}
		zones := []string{"Europe/London", "UTC", "America/New_York", "Pacific/Auckland"}
		ranges := [][2]fieldportal.Date{{first, last}, {first, first}, {moneyDay(2025, 3, 30), moneyDay(2025, 3, 30)},
			{moneyDay(2025, 3, 29), moneyDay(2025, 3, 31)}, {moneyDay(2025, 10, 26), last}, {last, last}}
		for _, zn := range zones {
			zone, err := time.LoadLocation(zn)
			if err != nil {
				t.Skip(err)
			}
			for _, vw := range viewers {
				for _, many := range []bool{false, true} {
					for _, rg := range ranges {
						name := fmt.Sprintf("%s/%s/many %v/%v to %v", zn, vw.name, many, rg[0], rg[1])
						ctx := ctx
						if many {
							ctx = sqlstore.AsManySites(ctx)
						}
						r := fieldportal.StatementRequest{From: rg[0], To: rg[1], Zone: zone}
						whole, err := db.StatementFromRows(ctx, vw.v, r)
						if err != nil {
							t.Fatal(err)
						}
						var walked []fieldportal.StatementEntry
						err = db.EachStatementEntry(ctx, vw.v, r, func(*fieldportal.Statement) error { return nil },
							func(e fieldportal.StatementEntry) error {
								walked = append(walked, e)
								return nil
							})
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if diff := cmp.Diff(whole.Entries, walked); diff != "" {
							t.Errorf("%s: walk's entries (-rows +walk):\n%s", name, diff)
						}
						if !slices.IsSortedFunc(walked, fieldportal.StatementOrder) {
							t.Errorf("%s: the walk is not in the statement's order", name)
						}
						// The pages, two entries each, one after the other.
						var paged []fieldportal.StatementEntry
						pr := r
						pr.Limit = 2
						for n := 0; n <= len(whole.Entries); n++ {
							page, err := db.Statement(ctx, vw.v, pr)
							if err != nil {
								t.Fatal(err)
							}
							paged = append(paged, page.Entries...)
							if page.Next == "" {
								break
							}
							pr.After = page.Next
						}
						if diff := cmp.Diff(walked, paged); diff != "" {
							t.Errorf("%s: pages' entries (-walk +pages):\n%s", name, diff)
						}
					}
				}
			}
		}
	})
}

// TestEachStatementEntryStopsEarly stops walks part way, by an error of
// fn (the printout's cap) and by a cancelled context (a client gone), more
// times than the read pool holds connections: each must give its
// connection back, with no transaction nor statement left open, so the
// next statement (and a write) is answered at once.
func TestEachStatementEntryStopsEarly(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := newMoneyWorld(t, db)
		staff := w.staff
		for d := 1; d <= 6; d++ {
			i := w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 3, d), 1000)
			i.Number = fmt.Sprintf("INV-%d", d)
			i = MustInvoice(t, db, staff, i)
			MustRecordPayment(t, db, staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 100, Method: "bank_transfer",
				ReceiptNumber: fmt.Sprintf("R-%d", d), Status: fieldportal.PaymentSucceeded, PaidAt: time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC),
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: i.ID, Amount: 100}}})
		}
		contact := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID})
		r := fieldportal.StatementRequest{From: moneyDay(2025, 3, 1), To: moneyDay(2025, 3, 31), Zone: time.UTC}
		stop := errors.New("stop")
		for _, v := range []fieldportal.Viewer{staff, contact} {
			for _, many := range []bool{false, true} {
				base := context.Background()
				if many {
					base = sqlstore.AsManySites(base)
				}
				for n := range 20 {
					ctx, cancel := context.WithCancel(base)
					seen := 0
					err := db.EachStatementEntry(ctx, v, r, func(*fieldportal.Statement) error { return nil },
						func(fieldportal.StatementEntry) error {
							if seen++; seen == 1+n%5 {
								if n%2 == 0 {
									return stop
								}
								cancel()
							}
							return nil
						})
					cancel()
					if n%2 == 0 && !errors.Is(err, stop) {
						t.Fatalf("stopped walk %d: err %v, want stop", n, err)
					}
					// A cancelled walk may end with the context's error or,
					// had it read its last rows already, none.
					if n%2 == 1 && err != nil && !errors.Is(err, context.Canceled) {
						t.Logf("cancelled walk %d: %v", n, err)
					}
				}
				// A cancelled transaction is rolled back by database/sql's
				// own goroutine: its connection comes back shortly after.
				inUse := sqlstore.ReadPoolStats(db).InUse
				for wait := time.Now().Add(60 * time.Second); inUse != 0 && time.Now().Before(wait); inUse = sqlstore.ReadPoolStats(db).InUse {
					time.Sleep(10 * time.Millisecond)
				}
				if inUse != 0 {
					t.Errorf("many %v: %d connections of the read pool still in use after the walks", many, inUse)
				}
				ctx, cancel := context.WithTimeout(base, 60*time.Second)
				st, err := db.Statement(ctx, v, r)
				cancel()
				if err != nil || len(st.Entries) != 12 {
					t.Fatalf("many %v: the statement after the stopped walks: %v", many, err)
				}
				// A write goes through: no read left a transaction open
				// holding back the writer (PostgreSQL) or the checkpoint.
				i := w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 4, 1), 500)
				MustInvoice(t, db, staff, i)
			}
		}
	})
}
