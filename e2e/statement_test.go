package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
)

// statementNumbers lists the invoice numbers the statement page links.
func (b *browser) statementNumbers() []string {
	b.t.Helper()
	var out []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll('main table a[href^="/invoices/"]')].map(a => a.textContent)`, &out))
	slices.Sort(out)
	return out
}

// TestJourneyStatement: the contact of one site opens its statement for
// a year and sees exactly its site's invoices; the parent's statement of
// the same year has them and more; axe-core checks both pages.
func TestJourneyStatement(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		ctx := context.Background()
		sys := fieldportal.SystemViewer(p.demoOrg(t), "test")
		today := fieldportal.DateOf(time.Now())
		from := today.AddDays(-364)
		path := "/statement?from=" + from.String() + "&to=" + today.String()

		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		var sitePath string
		site.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &sitePath, nil, chromedp.ByQuery))
		siteID := strings.TrimPrefix(sitePath, "/sites/")
		invoices, _, err := p.DB.FindInvoices(ctx, sys, fieldportal.InvoiceFilter{SiteID: siteID, IssuedFrom: from, IssuedTo: today,
			Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, inv := range invoices {
			if inv.Status != fieldportal.InvoiceVoid {
				want = append(want, inv.Number)
			}
		}
		slices.Sort(want)
		if len(want) == 0 {
			t.Fatal("the demo has no invoice at the site contact's site this year")
		}
		site.run(chromedp.Navigate(p.URL + path))
		got := site.statementNumbers()
		if !slices.Equal(got, want) {
			t.Errorf("the site contact's statement lists %v, want its site's invoices %v", got, want)
		}
		if text := site.text("main"); !strings.Contains(text, "Opening balance") || !strings.Contains(text, "Over 90 days") {
			t.Errorf("the statement lacks its balances or ageing:\n%s", text)
		}

		parent := mustBrowser(t, p.URL)
		parent.loginAs("parent")
		// The parent's year runs to several pages: each is read in turn.
		var all []string
		for next := path; next != ""; {
			parent.run(chromedp.Navigate(p.URL + next))
			all = append(all, parent.statementNumbers()...)
			next = ""
			if parent.count(`a[rel="next"]`) > 0 {
				parent.run(chromedp.AttributeValue(`a[rel="next"]`, "href", &next, nil, chromedp.ByQuery))
			}
		}
		for _, n := range want {
			if !slices.Contains(all, n) {
				t.Errorf("the parent's statement lacks %s", n)
			}
		}
		if len(all) <= len(want) {
			t.Errorf("the parent's statement lists %d invoices, no more than the site contact's %d", len(all), len(want))
		}
		// A range that fails names its field.
		parent.run(chromedp.Navigate(p.URL + "/statement?from=" + today.String() + "&to=" + from.String()))
		if msg := parent.text(".error-summary"); !strings.Contains(msg, "To date cannot be before the from date.") {
			t.Errorf("error summary %q", msg)
		}
	})
}
