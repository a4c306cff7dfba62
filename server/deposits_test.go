package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestDepositPages walks a deposit through the doors (issue 22): the
// console's pricing form refuses a deposit over the total naming the
// field and keeps what was typed, then sends a 20% deposit; the quote
// contact's page says the deposit before paying; accepting goes to the
// test payment page and leaves the quote outstanding; cancelling leaves
// it acceptable; paying accepts it, once, with a receipt; the job raised
// for it shows the deposit, and its invoice has it deducted.
func TestDepositPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f, _ := newPayFixture(t, db, fieldportal.ProviderTestMode)
		x := &fieldportal.Quote{SiteID: f.site["dock"].ID, Stage: fieldportal.QuoteRequested, Description: "New alarm panel"}
		if err := db.CreateQuote(ctx, f.sys, x); err != nil {
			t.Fatal(err)
		}
		f.addStaff("staff@example.test", fieldportal.RoleStaff)
		staff := f.payBrowser()
		staff.consoleLogin("staff@example.test")
		page := "/console/quotes/" + x.ID
		price := func(kind, value string) url.Values {
			return url.Values{"lines": {"1"}, "action": {"send"}, "item_1_description": {"Alarm panel"}, "item_1_quantity": {"1"},
				"item_1_unit_price": {"1000"}, "tax_rate": {"20"}, "valid_until": {"2099-06-30"}, "deposit_kind": {kind}, "deposit_value": {value}}
		}
		t.Run("a deposit over the total is refused naming the field", func(t *testing.T) {
			res, body := staff.post(page, price("amount", "1200.01"))
			wantStatus(t, "deposit over total", res, body, http.StatusBadRequest)
			for _, s := range []string{`href="#deposit_value"`, `value="1200.01"`, "more than the quote"} {
				if !strings.Contains(body, s) {
					t.Errorf("refused form lacks %q", s)
				}
			}
			res, body = staff.post(page, price("percent", "120"))
			wantStatus(t, "percentage over 100", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `href="#deposit_value"`) {
				t.Error("a percentage of 120 is not refused on deposit_value")
			}
		})
		res, body := staff.post(page, price("percent", "20"))
		wantStatus(t, "send with deposit", res, body, http.StatusSeeOther)

		f.giveQuoteRole("child@example.test")
		c := f.payBrowser()
		c.login("child@example.test", testPassword)
		version := func() string {
			_, body := c.get("/quotes/" + x.ID)
			m := regexp.MustCompile(`name="version" value="([^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no answer form:\n%s", body)
			}
			return m[1]
		}
		accept := func() string {
			res, body := c.post("/quotes/"+x.ID+"/accept", url.Values{"signed_by_name": {"Chris Child"}, "version": {version()}})
			wantStatus(t, "accept", res, body, http.StatusSeeOther)
			to := localPath(t, res)
			if !strings.HasPrefix(to, "/payments/test/") {
				t.Fatalf("accepting went to %q, want the test payment page", to)
			}
			return to
		}
		stage := func() fieldportal.QuoteStage {
			q, err := db.FindQuoteByID(ctx, f.sys, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			return q.Stage
		}
		t.Run("the page says the deposit before paying", func(t *testing.T) {
			_, body := c.get("/quotes/" + x.ID)
			if !strings.Contains(body, "deposit of <strong>£240.00</strong>") || !strings.Contains(body, "Accept and pay the deposit of £240.00") {
				t.Errorf("quote page does not say the deposit:\n%s", body)
			}
		})
		t.Run("a refused name keeps the quote outstanding", func(t *testing.T) {
			res, body := c.post("/quotes/"+x.ID+"/accept", url.Values{"signed_by_name": {"x1"}, "version": {version()}})
			wantStatus(t, "bad name", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `href="#signed_by_name"`) {
				t.Error("the refusal does not name signed_by_name")
			}
		})
		t.Run("cancelling leaves it outstanding and acceptable", func(t *testing.T) {
			testPage := accept()
			if st := stage(); st != fieldportal.QuoteOutstanding {
				t.Fatalf("stage after starting to pay = %s", st)
			}
			if _, body := staff.get(page); !strings.Contains(body, "Acceptance pending") || !strings.Contains(body, "Signed by Chris Child") {
				t.Errorf("the console does not show the pending acceptance")
			}
			_, body := c.get(testPage)
			m := regexp.MustCompile(`href="([^"]*/payments/cancel[^"]*)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("test page has no cancel link:\n%s", body)
			}
			u, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
			res, _ := c.get(u.RequestURI())
			if to := localPath(t, res); !strings.HasPrefix(to, "/quotes/"+x.ID) {
				t.Errorf("cancel went to %q", to)
			}
			_, body = c.get("/quotes/" + x.ID + "?done=deposit-cancelled")
			if !strings.Contains(body, "not accepted yet") || !strings.Contains(body, "/accept\"") {
				t.Errorf("after cancelling:\n%s", body)
			}
		})
		t.Run("paying accepts the quote once", func(t *testing.T) {
			testPage := accept()
			res, body := c.post(testPage, url.Values{"card": {"4242 4242 4242 4242"}})
			wantStatus(t, "pay", res, body, http.StatusSeeOther)
			ret := localPath(t, res)
			for range 2 {
				res, body = c.get(ret)
				wantStatus(t, "return", res, body, http.StatusOK)
				if !strings.Contains(body, "Deposit received") || !strings.Contains(body, "/quotes/"+x.ID) {
					t.Errorf("return page:\n%s", body)
				}
			}
			if st := stage(); st != fieldportal.QuoteApproved {
				t.Errorf("stage after paying = %s", st)
			}
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM payments WHERE quote_id = $1 AND amount = 24000`, x.ID).Scan(&n); err != nil || n != 1 {
				t.Errorf("%d deposit payments (%v), want 1", n, err)
			}
		})
		t.Run("the job shows it and its invoice has it deducted", func(t *testing.T) {
			j := &fieldportal.Job{SiteID: f.site["dock"].ID, QuoteID: x.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete,
				Description: "Fit the alarm panel"}
			if err := db.CreateJob(ctx, f.sys, j); err != nil {
				t.Fatal(err)
			}
			_, body := c.get("/jobs/" + j.ID)
			if !strings.Contains(body, "Deposit received: <strong>£240.00</strong>") {
				t.Errorf("job page lacks the deposit:\n%s", body)
			}
			inv := &fieldportal.Invoice{JobID: j.ID, IssueDate: fieldportal.Date{Year: 2026, Month: 3, Day: 1},
				DueDate: fieldportal.Date{Year: 2026, Month: 3, Day: 31}, Lines: []fieldportal.InvoiceLine{{Description: "Panel", Quantity: 1, UnitPrice: 120000}}}
			if err := db.IssueInvoice(ctx, f.sys, inv); err != nil {
				t.Fatal(err)
			}
			_, body = c.get("/invoices/" + inv.ID)
			if !strings.Contains(body, "Deposit received") || !strings.Contains(body, "£240.00") {
				t.Errorf("invoice page lacks the deposit:\n%s", body)
			}
			_, body = staff.get("/console/jobs/" + j.ID)
			if !strings.Contains(body, "Deposit received") {
				t.Errorf("console job page lacks the deposit")
			}
			// Voided, the deposit goes back to the job's next invoice.
			if _, body := staff.get("/console/invoices/" + inv.ID); !strings.Contains(body, "Void the invoice") {
				t.Fatalf("no void form on an invoice with only a deposit deducted:\n%s", body)
			}
			res, body := staff.post("/console/invoices/"+inv.ID+"/void", url.Values{"void_reason": {"Wrong panel"}})
			wantStatus(t, "void", res, body, http.StatusSeeOther)
			next := &fieldportal.Invoice{JobID: j.ID, IssueDate: fieldportal.Date{Year: 2026, Month: 3, Day: 2},
				DueDate: fieldportal.Date{Year: 2026, Month: 4, Day: 1}, Lines: []fieldportal.InvoiceLine{{Description: "Panel", Quantity: 1, UnitPrice: 110000}}}
			if err := db.IssueInvoice(ctx, f.sys, next); err != nil {
				t.Fatal(err)
			}
			if got, err := db.FindInvoiceByID(ctx, f.sys, next.ID); err != nil || got.AmountPaid != 24000 {
				t.Errorf("next invoice = %+v, %v; want the deposit of 240.00 deducted", got, err)
			}
		})
		t.Run("a lapsed payment page takes no card", func(t *testing.T) {
			z := &fieldportal.Quote{SiteID: f.site["dock"].ID, Stage: fieldportal.QuoteOutstanding, Description: "Third panel",
				TotalExTax: 10000, TotalIncTax: 10000, DepositKind: fieldportal.DepositPercent, DepositValue: 20}
			if err := db.CreateQuote(ctx, f.sys, z); err != nil {
				t.Fatal(err)
			}
			_, body := c.get("/quotes/" + z.ID)
			m := regexp.MustCompile(`name="version" value="([^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no answer form:\n%s", body)
			}
			// Started 25 hours ago, as far as the store's clock says: the
			// checkout, and so its page, lapsed an hour ago.
			now := db.Now
			db.Now = func() time.Time { return now().Add(-25 * time.Hour) }
			res, body := c.post("/quotes/"+z.ID+"/accept", url.Values{"signed_by_name": {"Chris Child"}, "version": {m[1]}})
			db.Now = now
			wantStatus(t, "accept", res, body, http.StatusSeeOther)
			testPage := localPath(t, res)
			res, body = c.get(testPage)
			wantStatus(t, "lapsed page", res, body, http.StatusGone)
			if !strings.Contains(body, "This payment page has expired") || strings.Contains(body, `name="card"`) {
				t.Errorf("lapsed test page:\n%s", body)
			}
			res, body = c.post(testPage, url.Values{"card": {"4242 4242 4242 4242"}})
			wantStatus(t, "pay a lapsed page", res, body, http.StatusGone)
			if q, err := db.FindQuoteByID(ctx, f.sys, z.ID); err != nil || q.Stage != fieldportal.QuoteOutstanding {
				t.Errorf("quote = %v, %v; want outstanding", q.Stage, err)
			}
		})
		t.Run("a quote changed before the deposit is paid is not said to be accepted", func(t *testing.T) {
			y := &fieldportal.Quote{SiteID: f.site["dock"].ID, Stage: fieldportal.QuoteOutstanding, Description: "Second panel",
				TotalExTax: 10000, TotalIncTax: 10000, DepositKind: fieldportal.DepositPercent, DepositValue: 20}
			if err := db.CreateQuote(ctx, f.sys, y); err != nil {
				t.Fatal(err)
			}
			_, body := c.get("/quotes/" + y.ID)
			m := regexp.MustCompile(`name="version" value="([^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no answer form:\n%s", body)
			}
			res, body := c.post("/quotes/"+y.ID+"/accept", url.Values{"signed_by_name": {"Chris Child"}, "version": {m[1]}})
			wantStatus(t, "accept", res, body, http.StatusSeeOther)
			testPage := localPath(t, res)
			// The office prices it again while the contact is paying.
			q, err := db.FindQuoteByID(ctx, f.sys, y.ID)
			if err != nil {
				t.Fatal(err)
			}
			q.TotalExTax, q.TotalIncTax = 90000, 90000
			if err := db.UpdateQuote(ctx, f.sys, q); err != nil {
				t.Fatal(err)
			}
			res, body = c.post(testPage, url.Values{"card": {"4242 4242 4242 4242"}})
			wantStatus(t, "pay", res, body, http.StatusSeeOther)
			res, body = c.get(localPath(t, res))
			wantStatus(t, "return", res, body, http.StatusOK)
			if strings.Contains(body, "the quote is accepted") || !strings.Contains(body, "not accepted") {
				t.Errorf("return page for a deposit that did not accept its quote:\n%s", body)
			}
			if q, err := db.FindQuoteByID(ctx, f.sys, y.ID); err != nil || q.Stage != fieldportal.QuoteOutstanding {
				t.Errorf("quote = %v, %v; want outstanding", q.Stage, err)
			}
		})
	})
}
