package server

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// statementFixture is the fixture with, in the first half of 2025, an
// invoice at the parent's head office paid in part before February, one
// at the child's dock, and one payment of both.
type statementFixture struct {
	*fixture
	inv map[string]*fieldportal.Invoice
}

// statementRange is the query of the fixture's February statement.
const statementRange = "?from=2025-02-01&to=2025-02-28"

func newStatementFixture(t *testing.T, db *sqlstore.DB) *statementFixture {
	t.Helper()
	f := &statementFixture{fixture: newFixture(t, db), inv: map[string]*fieldportal.Invoice{}}
	f.addStatementInvoices(t)
	return f
}

func (f *statementFixture) addStatementInvoices(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		key, customer, site string
		issued              fieldportal.Date
		total               fieldportal.Money
	}{
		{"hq", "parent", "hq", fieldportal.Date{Year: 2025, Month: 1, Day: 10}, 12000},
		{"dock", "child", "dock", fieldportal.Date{Year: 2025, Month: 2, Day: 5}, 4800},
		{"hq2", "parent", "hq", fieldportal.Date{Year: 2025, Month: 2, Day: 20}, 2400},
	} {
		inv := &fieldportal.Invoice{CustomerID: f.cust[c.customer].ID, SiteID: f.site[c.site].ID, IssueDate: c.issued,
			DueDate: c.issued.AddDays(30), Description: "Service visit", Subtotal: c.total - c.total/6, Tax: c.total / 6, Total: c.total}
		if err := f.db.CreateInvoice(ctx, f.sys, inv); err != nil {
			t.Fatal(err)
		}
		f.inv[c.key] = inv
	}
	for _, p := range []*fieldportal.Payment{
		{CustomerID: f.cust["parent"].ID, Amount: 2000, Method: "cheque", Status: fieldportal.PaymentSucceeded,
			PaidAt: time.Date(2025, 1, 20, 10, 0, 0, 0, time.UTC), Allocations: []fieldportal.PaymentAllocation{{InvoiceID: f.inv["hq"].ID, Amount: 2000}}},
		{CustomerID: f.cust["parent"].ID, Amount: 14800, Method: "bank_transfer", Status: fieldportal.PaymentSucceeded,
			PaidAt: time.Date(2025, 2, 12, 10, 0, 0, 0, time.UTC), Allocations: []fieldportal.PaymentAllocation{
				{InvoiceID: f.inv["hq"].ID, Amount: 10000}, {InvoiceID: f.inv["dock"].ID, Amount: 4800}}},
	} {
		if _, err := f.db.RecordPayment(ctx, f.sys, p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStatementPage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newStatementFixture(t, db)
		parent, child := f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)

		t.Run("the parent's statement", func(t *testing.T) {
			res, body := parent.get("/statement" + statementRange)
			wantStatus(t, "statement", res, body, http.StatusOK)
			if diff := cmp.Diff([]string{f.inv["dock"].Number, f.inv["hq2"].Number}, invoiceNumbers(body)); diff != "" {
				t.Errorf("invoices (-want +got):\n%s", diff)
			}
			for _, want := range []string{"Harbour Properties", "1 Feb 2025 to 28 Feb 2025", "<dd>£100.00</dd>", "<strong>£24.00</strong>",
				"R-1002", "Payment (bank transfer)", `href="/statement.pdf?from=2025-02-01&amp;to=2025-02-28"`,
				`href="/statement.csv?from=2025-02-01&amp;to=2025-02-28"`, "Over 90 days"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(body, `id="pay-form"`) || strings.Contains(body, `name="invoice"`) {
				t.Error("pay form offered with online payment off")
			}
		})
		t.Run("the child sees its own invoices and its part of the payment", func(t *testing.T) {
			res, body := child.get("/statement" + statementRange)
			wantStatus(t, "statement", res, body, http.StatusOK)
			if diff := cmp.Diff([]string{f.inv["dock"].Number}, invoiceNumbers(body)); diff != "" {
				t.Errorf("invoices (-want +got):\n%s", diff)
			}
			if !strings.Contains(body, "£48.00") || strings.Contains(body, "£148.00") || strings.Contains(body, "Harbour HQ") {
				t.Error("the child's statement shows more than its own part")
			}
		})
		t.Run("the default range is the last three months", func(t *testing.T) {
			res, body := parent.get("/statement")
			wantStatus(t, "statement", res, body, http.StatusOK)
			now, ok := time.Now(), false
			for _, d := range []int{-1, 0, 1} { // today in the organisation's zone
				ok = ok || strings.Contains(body, `type="date" value="`+now.AddDate(0, 0, d).Format(time.DateOnly)+`"`)
			}
			if !ok || !strings.Contains(body, "Opening balance") {
				t.Error("the To date is not today, or no statement is shown")
			}
		})
		for _, tc := range []struct {
			name, query, field, message string
		}{
			{"a from date that is not a date", "?from=31/01/2025&to=2025-02-28", "from", "From date must be a date"},
			{"no to date", "?from=2025-02-01&to=", "to", "To date is required."},
			{"a bad from date and no to date", "?from=2025-13-01&to=", "to", "To date is required."},
			{"dates the wrong way round", "?from=2025-03-01&to=2025-02-01", "to", "To date cannot be before the from date."},
			{"too long a range", "?from=2015-01-01&to=2025-02-01", "to", "To date must be at most"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := parent.get("/statement" + tc.query)
				wantStatus(t, tc.name, res, body, http.StatusOK)
				for _, want := range []string{tc.message, `href="#` + tc.field + `"`, `id="` + tc.field + `" name="` + tc.field + `" required aria-invalid="true"`} {
					if !strings.Contains(body, want) {
						t.Errorf("page lacks %q", want)
					}
				}
				if strings.Contains(body, "Opening balance") {
					t.Error("a statement is shown for a range that failed")
				}
				if res, body := parent.get("/statement.csv" + tc.query); res.StatusCode != http.StatusBadRequest {
					t.Errorf("CSV: %d, want 400\n%s", res.StatusCode, body)
				}
			})
		}
		t.Run("the CSV", func(t *testing.T) {
			res, body := parent.get("/statement.csv" + statementRange)
			wantStatus(t, "CSV", res, body, http.StatusOK)
			golden := filepath.Join("testdata", "statement_parent.csv")
			if *updateGolden {
				os.WriteFile(golden, []byte(body), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), body); diff != "" {
				t.Errorf("CSV differs from %s (-want +got):\n%s", golden, diff)
			}
		})
		t.Run("the printout", func(t *testing.T) {
			res, body := child.get("/statement.pdf" + statementRange)
			wantStatus(t, "PDF", res, body, http.StatusOK)
			if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
				t.Fatalf("Content-Type %q", ct)
			}
			text := pdftest.MustText(t, []byte(body))
			for _, want := range []string{"Statement", "Harbour Dock", f.inv["dock"].Number, "£48.00", "Page 1 of 1"} {
				if !strings.Contains(text, want) {
					t.Errorf("printout lacks %q", want)
				}
			}
			if strings.Contains(text, f.inv["hq2"].Number) {
				t.Error("the child's printout shows the parent's invoice")
			}
		})
		t.Run("a later page brings the balance forward", func(t *testing.T) {
			for i := range 55 {
				inv := &fieldportal.Invoice{CustomerID: f.cust["child"].ID, SiteID: f.site["dock"].ID,
					IssueDate: fieldportal.Date{Year: 2025, Month: 3, Day: 1 + i%28}, DueDate: fieldportal.Date{Year: 2025, Month: 4, Day: 30},
					Subtotal: 100, Total: 100}
				if err := db.CreateInvoice(context.Background(), f.sys, inv); err != nil {
					t.Fatal(err)
				}
			}
			_, body := child.get("/statement?from=2025-02-01&to=2025-03-31")
			if got := len(invoiceNumbers(body)); got != 49 { // 50 entries: the dock's payment is one
				t.Errorf("first page: %d invoices, want 49", got)
			}
			if len(body) > 60<<10 {
				t.Errorf("a full page is %d bytes, more than 60 KB", len(body))
			}
			next := regexp.MustCompile(`href="(/statement\?after=[^"]+)" rel="next"`).FindStringSubmatch(body)
			if next == nil {
				t.Fatal("no next page")
			}
			res, body := child.get(strings.ReplaceAll(next[1], "&amp;", "&"))
			wantStatus(t, "next page", res, body, http.StatusOK)
			if got := len(invoiceNumbers(body)); got != 7 {
				t.Errorf("second page: %d invoices, want 7", got)
			}
			// 48.00 - 48.00 + the 48 invoices of 1.00 on the first page.
			if !strings.Contains(body, "Balance brought forward: £48.00") {
				t.Error("the second page does not bring the balance forward")
			}
		})
	})
}

// TestStatementPayForm checks that the statement offers its invoices for
// payment exactly when online payment is on for the viewer.
func TestStatementPayForm(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		s, _ := newTestServer(t, db, testConfig{BaseURL: "http://portal.test", Hasher: auth.TestHasher(),
			Payments: func(string, fieldportal.PaymentKeys) (fieldportal.PaymentGateway, error) { return nil, nil }})
		f.srv.Config.Handler = s.Handler()
		sf := &statementFixture{fixture: f, inv: map[string]*fieldportal.Invoice{}}
		sf.addStatementInvoices(t)
		parent := f.browser()
		parent.login("parent@example.test", testPassword)

		_, body := parent.get("/statement" + statementRange)
		if strings.Contains(body, `id="pay-form"`) {
			t.Fatal("pay form offered before the organisation chose a provider")
		}
		st, err := db.FindSettings(context.Background(), f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		st.PaymentProvider = fieldportal.ProviderTestMode
		if err := db.UpdateSettings(context.Background(), f.sys, st); err != nil {
			t.Fatal(err)
		}
		_, body = parent.get("/statement" + statementRange)
		for _, want := range []string{`<form id="pay-form" method="post" action="/payments/checkout">`, `name="back" value="/statement"`,
			`id="pay-selected" form="pay-form">Pay selected</button>`,
			`name="invoice" value="` + sf.inv["hq2"].ID + `" form="pay-form"><label for="pay-` + sf.inv["hq2"].ID + `" class="visually-hidden">Pay invoice ` + sf.inv["hq2"].Number} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if n := strings.Count(body, `name="invoice"`); n != 1 {
			t.Errorf("%d invoices offered, want 1 (the paid ones are not)", n)
		}
	})
}
