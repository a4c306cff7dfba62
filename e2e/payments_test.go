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

// TestPayTestMode pays an invoice on test mode's payment page in the demo
// (which is on test mode): a declined card, then 4242..., and the return
// page with the receipt number. axe-core checks every page on the way.
// The journey from /invoices joins it when the invoice pages land.
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
	// The pay form as the invoice list posts it (its page is another part's).
	b.run(chromedp.Evaluate(`(() => { const f = document.createElement("form"); f.method = "post"; f.action = "/payments/checkout";
		for (const [k, v] of [["invoice", "`+inv.ID+`"], ["back", "/invoices"]]) { const i = document.createElement("input");
		i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i); }
		const s = document.createElement("button"); s.type = "submit"; s.id = "e2e-pay"; s.textContent = "Pay"; f.appendChild(s);
		document.querySelector("main").appendChild(f); })()`, nil))
	b.submit(`#e2e-pay`)
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
