package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// TestPayTestMode pays one invoice from its page on test mode's payment
// page in the demo (which is on test mode): a declined card, then
// 4242..., and the return page with the receipt number. axe-core checks
// every page on the way.
func TestPayTestMode(t *testing.T) {
	p := mustDemo(t, sqlstore.SQLite)
	b := mustBrowser(t, p.URL)
	b.loginAs("parent")
	var sitePath string
	b.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &sitePath, nil, chromedp.ByQuery))
	ctx, sys := context.Background(), fieldportal.SystemViewer(p.demoOrg(t), "test")
	site, err := p.DB.FindSiteByID(ctx, sys, strings.TrimPrefix(sitePath, "/sites/"))
	if err != nil {
		t.Fatal(err)
	}
	day := fieldportal.DateOf(time.Now())
	inv := &fieldportal.Invoice{CustomerID: site.CustomerID, SiteID: site.ID, IssueDate: day, DueDate: day.AddDays(30),
		Subtotal: 10000, Tax: 2000, Total: 12000}
	if err := p.DB.CreateInvoice(ctx, sys, inv); err != nil {
		t.Fatal(err)
	}
	// The invoice's own Pay now button.
	b.run(chromedp.Navigate(p.URL + "/invoices/" + inv.ID))
	b.submit(`#pay-now`)
	if h := b.text("h1"); h != "Test payment" || !strings.HasPrefix(b.location(), "/payments/test/") {
		t.Fatalf("the checkout led to %q (%s)", h, b.location())
	}
	payShots(t, b, "payment-test")
	b.run(chromedp.SendKeys(`#card`, "4000 0000 0000 0002", chromedp.ByQuery))
	b.submit(`form.test-payment button[type=submit]`)
	if n := b.text(`#card-error`); !strings.Contains(n, "declined") {
		t.Errorf("a declined card says %q", n)
	}
	b.run(chromedp.SendKeys(`#card`, "4242 4242 4242 4242", chromedp.ByQuery))
	b.submit(`form.test-payment button[type=submit]`)
	if h := b.text("h1"); h != "Payment received" {
		t.Fatalf("after paying the page is %q", h)
	}
	receipt := b.text(`[data-receipt]`)
	if !strings.HasPrefix(receipt, "R-") {
		t.Errorf("receipt number %q", receipt)
	}
	payShots(t, b, "payment-received")
	got, err := p.DB.FindInvoiceByID(ctx, sys, inv.ID)
	if err != nil || got.Status != fieldportal.InvoicePaid {
		t.Errorf("invoice after paying: %+v, %v", got, err)
	}

	// The console's settings with the online payment form (axe-core too).
	admin := mustBrowser(t, p.URL)
	admin.loginAs("admin")
	admin.run(chromedp.Navigate(p.URL + "/console/settings"))
	if admin.count(`input[name=payment_provider][value=testmode][checked]`) != 1 {
		t.Error("the settings do not show test mode chosen")
	}
	payShots(t, admin, "console-settings")
}

// payShots saves the page at 390 and 1280 px into FIELDPORTAL_SCREENSHOTS
// when it is set (as TestScreens does for GET pages; these pages are
// reached by posting a form).
func payShots(t *testing.T, b *browser, name string) {
	t.Helper()
	dir := os.Getenv("FIELDPORTAL_SCREENSHOTS")
	if dir == "" {
		return
	}
	os.MkdirAll(dir, 0o755)
	for _, width := range []int64{390, 1280} {
		var png []byte
		vp := chromedp.EmulateViewport(width, 900)
		if width < 600 {
			vp = chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile)
		}
		if err := chromedp.Run(b.ctx, vp, chromedp.FullScreenshot(&png, 100)); err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	chromedp.Run(b.ctx, chromedp.EmulateViewport(1280, 900))
}

// TestJourneyPayTwoInvoices is issue 17's journey: the parent contact
// ticks two unpaid invoices on the Unpaid tab, pays them together in
// test mode, sees the receipt number; both then show Paid and the
// balance outstanding drops by exactly their sum.
func TestJourneyPayTwoInvoices(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		ctx, sys := context.Background(), fieldportal.SystemViewer(p.demoOrg(t), "test")
		b := mustBrowser(t, p.URL)
		b.loginAs("parent")
		b.run(chromedp.Navigate(p.URL + "/invoices?tab=unpaid"))
		before := mustMinorUnits(t, b.text(`ul.tiles li .tile-value`))
		var ids []string
		b.run(chromedp.Evaluate(`Array.from(document.querySelectorAll('input[name="invoice"]')).slice(0, 2).map(e => e.value)`, &ids))
		if len(ids) != 2 {
			t.Fatalf("the Unpaid tab offers %d invoices to pay, want at least 2", len(ids))
		}
		var sum fieldportal.Money
		for _, id := range ids {
			inv, err := p.DB.FindInvoiceByID(ctx, sys, id)
			if err != nil {
				t.Fatal(err)
			}
			sum += inv.Balance()
			b.run(chromedp.Click(`#pay-`+id, chromedp.ByQuery))
		}
		b.submit(`#pay-selected`)
		if h := b.text("h1"); h != "Test payment" {
			t.Fatalf("Pay selected led to %q (%s)", h, b.location())
		}
		b.run(chromedp.SendKeys(`#card`, "4242 4242 4242 4242", chromedp.ByQuery))
		b.submit(`form.test-payment button[type=submit]`)
		if h := b.text("h1"); h != "Payment received" {
			t.Fatalf("after paying the page is %q", h)
		}
		if receipt := b.text(`[data-receipt]`); !strings.HasPrefix(receipt, "R-") {
			t.Errorf("receipt number %q", receipt)
		}
		for _, id := range ids {
			b.run(chromedp.Navigate(p.URL + "/invoices/" + id))
			if !strings.Contains(b.text("main"), "Paid") || b.count(`#pay-now`) != 0 {
				t.Errorf("invoice %s does not show Paid after paying", id)
			}
		}
		b.run(chromedp.Navigate(p.URL + "/invoices?tab=unpaid"))
		if after := mustMinorUnits(t, b.text(`ul.tiles li .tile-value`)); before-after != int64(sum) {
			t.Errorf("balance %d before, %d after: dropped by %d, want the two invoices' %d", before, after, before-after, sum)
		}
	})
}

// mustMinorUnits reads an amount as shown ("£1,234.56") in minor units.
func mustMinorUnits(t *testing.T, shown string) int64 {
	t.Helper()
	var n int64
	digits := 0
	for _, r := range shown {
		if r >= '0' && r <= '9' {
			n, digits = n*10+int64(r-'0'), digits+1
		}
	}
	if digits < 3 || !strings.Contains(shown, ".") {
		t.Fatalf("%q is not an amount", shown)
	}
	return n
}
