package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
)

// TestJourneyInvoices: the site contact opens Invoices from the menu and
// sees only its one site's invoices, each site column naming it, and the
// balance of those alone; it opens one, whose page lists its lines and
// totals, and an invoice of the group's other sites is "not found" to
// it. axe-core checks the list and the invoice's page.
func TestJourneyInvoices(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		ctx := context.Background()
		sys := fieldportal.SystemViewer(p.demoOrg(t), "test")
		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		var sitePath string
		site.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &sitePath, nil, chromedp.ByQuery))
		siteName := site.text(`table tbody tr a`)
		siteID := strings.TrimPrefix(sitePath, "/sites/")

		site.run(chromedp.Navigate(p.URL + "/"))
		site.submit(`nav a[href="/invoices"]`)
		if h := site.text("h1"); h != "Invoices" {
			t.Fatalf("the Invoices link leads to %q", h)
		}
		// The list is its customer's invoices: at its one site, or billed
		// to the customer with no site (the contact sees every site of
		// it), never the group's others.
		cinema, err := p.DB.FindSiteByID(ctx, sys, siteID)
		if err != nil {
			t.Fatal(err)
		}
		own, _, err := p.DB.FindInvoices(ctx, sys, fieldportal.InvoiceFilter{CustomerID: cinema.CustomerID})
		if err != nil {
			t.Fatal(err)
		}
		if len(own) == 0 {
			t.Fatal("the demo bills nothing to the site contact's customer")
		}
		var want []string
		for _, inv := range own {
			want = append(want, inv.Number)
		}
		var listed, sites []string
		site.run(chromedp.Evaluate(`Array.from(document.querySelectorAll('table tbody th[data-label="Invoice"] a')).map(e => e.textContent)`, &listed),
			chromedp.Evaluate(`Array.from(document.querySelectorAll('table tbody td[data-label="Site"]')).map(e => e.textContent)`, &sites))
		if strings.Join(listed, " ") != strings.Join(want, " ") {
			t.Errorf("the site contact's list is %v, want %v", listed, want)
		}
		for _, s := range sites {
			if s != siteName && s != "" {
				t.Errorf("the site contact's list holds an invoice at %q", s)
			}
		}
		// Its balance is its customer's alone.
		all, _, err := p.DB.FindInvoices(ctx, sys, fieldportal.InvoiceFilter{CustomerID: cinema.CustomerID, Page: fieldportal.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		var balance fieldportal.Money
		for _, inv := range all {
			balance += inv.Balance()
		}
		if got := site.text(`ul.tiles li .tile-value`); !strings.HasSuffix(got, balance.String()) {
			t.Errorf("the balance shown is %q, want its customer's %s", got, balance)
		}

		site.submit(`table tbody tr th a`)
		if h := site.text("h1"); !strings.HasPrefix(h, "Invoice ") {
			t.Fatalf("the invoice's page is %q", h)
		}
		if body := site.text("main"); !strings.Contains(body, "Balance due") || !strings.Contains(body, "Lines") {
			t.Errorf("the invoice's page lacks its lines or totals:\n%s", body)
		}

		// An invoice of another site of the group is not the contact's.
		group, _, err := p.DB.FindInvoices(ctx, sys, fieldportal.InvoiceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		other := ""
		for _, inv := range group {
			if inv.CustomerID != cinema.CustomerID {
				other = inv.ID
				break
			}
		}
		if other == "" {
			t.Fatal("the demo has no invoice at another site")
		}
		if got := site.status("/invoices/" + other); got != http.StatusNotFound {
			t.Errorf("another site's invoice = %d, want 404", got)
		}
		site.run(chromedp.Navigate(p.URL + "/invoices/" + other))
		if h := site.text("h1"); h != "Page not found" {
			t.Errorf("another site's invoice shows %q, want Page not found", h)
		}
	})
}
