package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// stmtLine is what TestStatement compares of a statement's entry.
type stmtLine struct {
	Number  string
	Debit   fieldportal.Money
	Credit  fieldportal.Money
	Balance fieldportal.Money
}

// stmtSeen is a statement as TestStatement compares it.
type stmtSeen struct {
	Opening, Closing fieldportal.Money
	Lines            []stmtLine
	Ageing           fieldportal.Ageing
}

func seenStatement(st *fieldportal.Statement) stmtSeen {
	s := stmtSeen{Opening: st.Opening, Closing: st.Closing, Ageing: st.Ageing}
	for _, e := range st.Entries {
		s.Lines = append(s.Lines, stmtLine{e.Number, e.Debit(), e.Credit(), e.Balance})
	}
	return s
}

// TestStatement reads one February's statement for every kind of viewer:
// what each sees is its own invoices and the parts of payments allocated
// to them, with a payment before the range in the opening balance and one
// after it left out.
func TestStatement(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := w.staff
		inv := func(number, customerID, siteID string, issued fieldportal.Date, total fieldportal.Money) *fieldportal.Invoice {
			i := w.invoice(customerID, siteID, issued, total)
			i.Number = number
			return MustInvoice(t, db, staff, i)
		}
		a1 := inv("INV-A1", w.parent.ID, w.siteA.ID, moneyDay(2025, 1, 10), 10000)
		b1 := inv("INV-B1", w.parent.ID, w.siteB.ID, moneyDay(2025, 2, 5), 5000)
		c1 := inv("INV-C1", w.child.ID, w.siteC.ID, moneyDay(2025, 2, 10), 3000)
		inv("INV-N1", w.parent.ID, "", moneyDay(2025, 2, 15), 2000)
		v1 := w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 2, 20), 7000)
		v1.Number, v1.Status = "INV-V1", fieldportal.InvoiceVoid
		MustInvoice(t, db, staff, v1)
		otherStaff := fieldportal.SystemViewer(w.other.ID, "test")
		otherCustomer := MustCustomer(t, db, otherStaff, &fieldportal.Customer{Name: "Elsewhere"})
		o1 := w.invoice(otherCustomer.ID, "", moneyDay(2025, 2, 6), 9900)
		MustInvoice(t, db, otherStaff, o1)

		pay := func(receipt string, paid time.Time, allocs ...fieldportal.PaymentAllocation) {
			var sum fieldportal.Money
			for _, a := range allocs {
				sum += a.Amount
			}
			MustRecordPayment(t, db, staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: sum, Method: "bank_transfer",
				ReceiptNumber: receipt, Status: fieldportal.PaymentSucceeded, PaidAt: paid, Allocations: allocs})
		}
		at := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 12, 0, 0, 0, time.UTC) }
		pay("R-1", at(1, 20), fieldportal.PaymentAllocation{InvoiceID: a1.ID, Amount: 4000})
		pay("R-2", at(2, 12), fieldportal.PaymentAllocation{InvoiceID: a1.ID, Amount: 6000},
			fieldportal.PaymentAllocation{InvoiceID: b1.ID, Amount: 2000}, fieldportal.PaymentAllocation{InvoiceID: c1.ID, Amount: 3000})
		pay("R-3", at(4, 1), fieldportal.PaymentAllocation{InvoiceID: b1.ID, Amount: 3000})

		req := fieldportal.StatementRequest{From: moneyDay(2025, 2, 1), To: moneyDay(2025, 2, 28), Zone: time.UTC}
		whole := stmtSeen{
			Opening: 6000, Closing: 5000,
			Lines: []stmtLine{
				{"INV-B1", 5000, 0, 11000},
				{"INV-C1", 3000, 0, 14000},
				{"R-2", 0, 11000, 3000},
				{"INV-N1", 2000, 0, 5000},
			},
			Ageing: fieldportal.Ageing{Current: 5000},
		}
		cases := []struct {
			name string
			v    fieldportal.Viewer
			want stmtSeen
		}{
			{"staff", staff, whole},
			{"parent contact", MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil), whole},
			{"child contact", MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil), stmtSeen{
				Lines: []stmtLine{{"INV-C1", 3000, 0, 3000}, {"R-2", 0, 3000, 0}},
			}},
			{"contact of site A", MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID}), stmtSeen{
				Opening: 6000,
				Lines:   []stmtLine{{"R-2", 0, 6000, 0}},
			}},
			{"contact of site B", MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteB.ID}), stmtSeen{
				Closing: 3000,
				Lines:   []stmtLine{{"INV-B1", 5000, 0, 5000}, {"R-2", 0, 2000, 3000}},
				Ageing:  fieldportal.Ageing{Current: 3000},
			}},
			{"staff of another organisation", otherStaff, stmtSeen{
				Closing: 9900,
				Lines:   []stmtLine{{o1.Number, 9900, 0, 9900}},
				Ageing:  fieldportal.Ageing{Current: 9900},
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				st, err := db.Statement(ctx, c.v, req)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(c.want, seenStatement(st)); diff != "" {
					t.Errorf("statement (-want +got):\n%s", diff)
				}
				for _, r := range []fieldportal.StatementRequest{req, {From: moneyDay(2025, 1, 1), To: moneyDay(2025, 4, 30), Zone: time.UTC}} {
					checkStatementPages(t, db, c.v, r)
				}
			})
		}
		t.Run("ageing at a later end", func(t *testing.T) {
			// At the end of April B1 is paid; N1, due 17 March, is
			// 44 days overdue; C1 was paid in February.
			st, err := db.Statement(ctx, staff, fieldportal.StatementRequest{From: moneyDay(2025, 2, 1), To: moneyDay(2025, 4, 30)})
			if err != nil {
				t.Fatal(err)
			}
			if want := (fieldportal.Ageing{Days31To60: 2000}); st.Ageing != want || st.Closing != 2000 {
				t.Errorf("closing %v, ageing %+v; want 20.00, %+v", st.Closing, st.Ageing, want)
			}
		})
		t.Run("the whole history matches the invoices' balances", func(t *testing.T) {
			st, err := db.Statement(ctx, staff, fieldportal.StatementRequest{From: moneyDay(2024, 1, 1), To: moneyDay(2026, 12, 31)})
			if err != nil {
				t.Fatal(err)
			}
			list, _, err := db.FindInvoices(ctx, staff, fieldportal.InvoiceFilter{Page: fieldportal.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			var owed fieldportal.Money
			for _, i := range list {
				owed += i.Balance()
			}
			if st.Opening != 0 || st.Closing != owed || st.Ageing.Total() != owed {
				t.Errorf("opening %v, closing %v, ageing total %v; want 0 and the invoices' balance %v", st.Opening, st.Closing, st.Ageing.Total(), owed)
			}
		})
		t.Run("a contact without the Statement page", func(t *testing.T) {
			v := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleInvoices)
			if _, err := db.Statement(ctx, v, req); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v, want not found", err)
			}
		})
		t.Run("a disabled login sees nothing", func(t *testing.T) {
			v := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			mustMoneyExec(t, db, `UPDATE portal_logins SET status = 'disabled' WHERE id = $1`, v.LoginID)
			st, err := db.Statement(ctx, v, req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(stmtSeen{}, seenStatement(st)); diff != "" {
				t.Errorf("statement (-want +got):\n%s", diff)
			}
		})
		t.Run("a range the wrong way round", func(t *testing.T) {
			_, err := db.Statement(ctx, staff, fieldportal.StatementRequest{From: req.To, To: req.From})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("err = %v, want invalid", err)
			}
		})
		t.Run("a day's invoices before its payments, page by page", func(t *testing.T) {
			// A page whose invoices fill it reads the payments only up to
			// the last invoice's day (paymentsUntil): those of the day
			// before are on it, those of the same day after it.
			d1 := inv("INV-D1", w.child.ID, w.siteC.ID, moneyDay(2027, 3, 3), 1000)
			inv("INV-D2", w.child.ID, w.siteC.ID, moneyDay(2027, 3, 3), 2000)
			d3 := inv("INV-D3", w.child.ID, w.siteC.ID, moneyDay(2027, 3, 4), 3000)
			at := func(d, h int) time.Time { return time.Date(2027, 3, d, h, 0, 0, 0, time.UTC) }
			for _, p := range []struct {
				receipt string
				paid    time.Time
				a       fieldportal.PaymentAllocation
			}{
				{"R-D0", at(2, 23), fieldportal.PaymentAllocation{InvoiceID: d1.ID, Amount: 100}},
				{"R-D2", at(3, 9), fieldportal.PaymentAllocation{InvoiceID: d1.ID, Amount: 200}},
				{"R-D1", at(3, 10), fieldportal.PaymentAllocation{InvoiceID: d1.ID, Amount: 300}},
				{"R-D3", at(4, 0), fieldportal.PaymentAllocation{InvoiceID: d3.ID, Amount: 400}},
			} {
				MustRecordPayment(t, db, staff, &fieldportal.Payment{CustomerID: w.child.ID, Amount: p.a.Amount, Method: "bank_transfer",
					ReceiptNumber: p.receipt, Status: fieldportal.PaymentSucceeded, PaidAt: p.paid, Allocations: []fieldportal.PaymentAllocation{p.a}})
			}
			r := fieldportal.StatementRequest{From: moneyDay(2027, 3, 1), To: moneyDay(2027, 3, 31), Zone: time.UTC}
			st, err := db.Statement(ctx, staff, r)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range st.Entries {
				got = append(got, e.Number)
			}
			if want := []string{"R-D0", "INV-D1", "INV-D2", "R-D1", "R-D2", "INV-D3", "R-D3"}; !slices.Equal(got, want) {
				t.Errorf("entries %v, want %v", got, want)
			}
			for _, v := range []fieldportal.Viewer{staff, MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)} {
				checkStatementPages(t, db, v, r)
				checkStatementPages(t, db, v, fieldportal.StatementRequest{From: moneyDay(2027, 3, 3), To: moneyDay(2027, 3, 31), Zone: time.UTC})
			}
		})
	})
}

// eachRecentStatementEntry calls fn with each entry of kind on v's
// statement of the last month, walked by EachStatementEntry (the access
// matrices' rows list them).
func eachRecentStatementEntry(ctx context.Context, db *sqlstore.DB, v fieldportal.Viewer, kind fieldportal.StatementEntryKind, fn func(fieldportal.StatementEntry) error) error {
	today := fieldportal.DateOf(time.Now())
	r := fieldportal.StatementRequest{From: today.AddDays(-30), To: today.AddDays(1)}
	return db.EachStatementEntry(ctx, v, r, func(*fieldportal.Statement) error { return nil }, func(e fieldportal.StatementEntry) error {
		if e.Kind != kind {
			return nil
		}
		return fn(e)
	})
}

// checkStatementPages reads the statement over r whole and page by page
// (one, two and three entries a page): the pages, one after the other,
// must hold the same entries with the same running balances, and each
// the same totals.
func checkStatementPages(t *testing.T, db *sqlstore.DB, v fieldportal.Viewer, r fieldportal.StatementRequest) {
	t.Helper()
	ctx := context.Background()
	whole, err := db.Statement(ctx, v, r)
	if err != nil {
		t.Fatal(err)
	}
	for limit := 1; limit <= 3; limit++ {
		paged := *whole
		paged.Entries = nil
		pr := r
		pr.Limit = limit
		for n := 0; ; n++ {
			page, err := db.Statement(ctx, v, pr)
			if err != nil {
				t.Fatal(err)
			}
			if page.Opening != whole.Opening || page.Closing != whole.Closing || page.Ageing != whole.Ageing {
				t.Errorf("limit %d page %d: opening %v closing %v ageing %+v; want %v %v %+v", limit, n,
					page.Opening, page.Closing, page.Ageing, whole.Opening, whole.Closing, whole.Ageing)
			}
			want := whole.Opening
			if k := len(paged.Entries); k > 0 {
				want = paged.Entries[k-1].Balance
			}
			if page.Brought != want {
				t.Errorf("limit %d page %d: brought %v, want %v", limit, n, page.Brought, want)
			}
			if len(page.Entries) > limit {
				t.Fatalf("limit %d page %d: %d entries", limit, n, len(page.Entries))
			}
			paged.Entries = append(paged.Entries, page.Entries...)
			if page.Next == "" || n > len(whole.Entries) {
				break
			}
			pr.After = page.Next
		}
		if diff := cmp.Diff(whole.Entries, paged.Entries); diff != "" {
			t.Errorf("limit %d: entries page by page (-whole +paged):\n%s", limit, diff)
		}
	}
}
