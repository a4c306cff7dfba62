package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/fieldportal/fieldportal"
)

// TestJourneyDeposit is issue 22's deposit journey: staff price a quote
// and send it with a 20% deposit; the site's quote contact sees the
// deposit on the quote, accepts it and pays in test mode; the quote is
// accepted only then; the job raised for it shows the deposit, and the
// invoice staff raise for the job in the console shows it deducted (page
// and balance). axe-core checks every page on the way.
func TestJourneyDeposit(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		ctx := context.Background()
		sys := fieldportal.SystemViewer(p.demoOrg(t), "test")

		contact := mustBrowser(t, p.URL)
		contact.loginAs("site")
		var sitePath string
		contact.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &sitePath, nil, chromedp.ByQuery))
		siteID := strings.TrimPrefix(sitePath, "/sites/")
		x := &fieldportal.Quote{SiteID: siteID, Stage: fieldportal.QuoteRequested, Description: "New fire alarm panel", CreatedInPortal: true}
		if err := p.DB.CreateQuote(ctx, sys, x); err != nil {
			t.Fatal(err)
		}
		quotePath := "/quotes/" + x.ID

		// Staff price it at £1,000.00 + 20% tax and ask for a 20% deposit.
		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/quotes/" + x.ID))
		staff.run(chromedp.SetValue(`#deposit_kind`, "percent", chromedp.ByQuery))
		staff.fill(`form#price`, "item_1_description", "Fire alarm panel", "item_1_quantity", "1", "item_1_unit_price", "1000.00",
			"deposit_value", "20")
		if msg := staff.text(".notice"); !strings.Contains(msg, "The quote is sent") {
			t.Fatalf("after sending, the console says %q", msg)
		}
		if main := staff.text("main"); !strings.Contains(main, "£240.00") {
			t.Errorf("the console's quote does not show the £240.00 deposit:\n%s", main)
		}

		// The contact sees the deposit before paying, accepts and pays.
		contact.run(chromedp.Navigate(p.URL + quotePath))
		if d := contact.text(`[data-deposit]`); !strings.Contains(d, "£240.00") {
			t.Fatalf("the quote page says %q about the deposit", d)
		}
		contact.fill(`form#answer`, "signed_by_name", "Sophie Turner")
		if h := contact.text("h1"); h != "Test payment" || !strings.HasPrefix(contact.location(), "/payments/test/") {
			t.Fatalf("accepting led to %q (%s)", h, contact.location())
		}
		if main := contact.text("main"); !strings.Contains(main, "£240.00") {
			t.Errorf("the test payment page does not ask for £240.00:\n%s", main)
		}
		if q, err := p.DB.FindQuoteByID(ctx, sys, x.ID); err != nil || q.Stage != fieldportal.QuoteOutstanding {
			t.Fatalf("before paying the quote is %v (%v), want outstanding", q.Stage, err)
		}
		contact.run(chromedp.SendKeys(`#card`, "4242 4242 4242 4242", chromedp.ByQuery))
		contact.submit(`form.test-payment button[type=submit]`)
		if h := contact.text("h1"); h != "Deposit received" {
			t.Fatalf("after paying the page is %q: %s", h, contact.text("main"))
		}
		if r := contact.text(`[data-receipt]`); !strings.HasPrefix(r, "R-") {
			t.Errorf("receipt number %q", r)
		}
		if q, err := p.DB.FindQuoteByID(ctx, sys, x.ID); err != nil || q.Stage != fieldportal.QuoteApproved || q.SignedByName != "Sophie Turner" {
			t.Fatalf("after paying the quote is %+v (%v), want accepted by Sophie Turner", q, err)
		}
		contact.run(chromedp.Navigate(p.URL + quotePath))
		if d := contact.text(`[data-deposit-received]`); !strings.Contains(d, "£240.00") {
			t.Errorf("the accepted quote says %q about the deposit", d)
		}

		// The back office raises the job; it shows the deposit.
		j := &fieldportal.Job{SiteID: siteID, QuoteID: x.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete,
			Description: "Fit the fire alarm panel",
			Items:       []fieldportal.JobItem{{Description: "Fire alarm panel", Quantity: 1, UnitPrice: 100000, Total: 100000}}}
		if err := p.DB.CreateJob(ctx, sys, j); err != nil {
			t.Fatal(err)
		}
		contact.run(chromedp.Navigate(p.URL + "/jobs/" + j.ID))
		if d := contact.text(`[data-deposit-received]`); !strings.Contains(d, "£240.00") {
			t.Errorf("the job says %q about the deposit", d)
		}
		staff.run(chromedp.Navigate(p.URL + "/console/jobs/" + j.ID))
		if main := staff.text("main"); !strings.Contains(main, "Deposit received") {
			t.Errorf("the console's job does not show the deposit:\n%s", main)
		}

		// Staff raise its invoice; the deposit is deducted.
		staff.run(chromedp.Navigate(p.URL + "/console/jobs/" + j.ID + "/invoice"))
		staff.submit(`form#raise button[type=submit]`)
		invID := strings.TrimPrefix(strings.SplitN(staff.location(), "?", 2)[0], "/console/invoices/")
		inv, err := p.DB.FindInvoiceByID(ctx, sys, invID)
		if err != nil {
			t.Fatalf("raising the invoice led to %s: %v", staff.location(), err)
		}
		if inv.AmountPaid != 24000 || inv.Balance() != inv.Total-24000 {
			t.Errorf("invoice %s: paid %s of %s, want the £240.00 deposit", inv.Number, inv.AmountPaid, inv.Total)
		}
		contact.run(chromedp.Navigate(p.URL + "/invoices/" + invID))
		if main := contact.text("main"); !strings.Contains(main, "Deposit received") || !strings.Contains(main, "£240.00") {
			t.Errorf("the invoice page does not show the deposit deducted:\n%s", main)
		}
	})
}

// screensDeposit gives TestScreens an outstanding quote asking for a 20%
// deposit at the site contact's site, with a fixed id.
func screensDeposit(t *testing.T, p *portal) {
	t.Helper()
	var siteID string
	if err := p.DB.SQL().QueryRow(`SELECT s.id FROM sites s JOIN contacts c ON c.customer_id = s.customer_id
		WHERE c.email = 'site@demo.test' ORDER BY s.id LIMIT 1`).Scan(&siteID); err != nil {
		t.Fatal(err)
	}
	x := &fieldportal.Quote{SiteID: siteID, Stage: fieldportal.QuoteOutstanding, Description: "Replace the sprinkler heads",
		TotalExTax: 150000, Tax: 30000, TotalIncTax: 180000, TaxRate: 2000, DepositKind: fieldportal.DepositPercent, DepositValue: 20,
		ValidUntil: fieldportal.DateOf(time.Now()).AddDays(30)}
	if err := p.DB.CreateQuote(context.Background(), fieldportal.SystemViewer(p.demoOrg(t), "test"), x); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DB.SQL().Exec(`UPDATE quotes SET id = 'screens-deposit-quote' WHERE id = $1`, x.ID); err != nil {
		t.Fatal(err)
	}
}
