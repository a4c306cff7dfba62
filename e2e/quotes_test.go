package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
)

// TestJourneyQuotes: a quote requested at the site contact's site is
// priced and sent by staff in the console; the contact, mailed a link,
// opens it, accepts it online with a typed name, and it moves to
// Actioned. Once the contact's Quotes page is taken away, it sees no
// quote anywhere and the quote's addresses answer 404 (issue 16).
func TestJourneyQuotes(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		ctx := context.Background()
		org := p.demoOrg(t)
		sys := fieldportal.SystemViewer(org, "test")

		contact := mustBrowser(t, p.URL)
		contact.loginAs("site")
		var sitePath string
		contact.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &sitePath, nil, chromedp.ByQuery))
		// The request, as the booking form would make it.
		x := &fieldportal.Quote{SiteID: strings.TrimPrefix(sitePath, "/sites/"), Stage: fieldportal.QuoteRequested,
			Description: "Quote for two new extinguishers in the foyer", OrderNo: "PW-QUOTE-1", CreatedInPortal: true}
		if err := p.DB.CreateQuote(ctx, sys, x); err != nil {
			t.Fatal(err)
		}
		quotePath := "/quotes/" + x.ID

		// The contact sees the request under Outstanding, awaiting a price,
		// with nothing to accept yet.
		contact.run(chromedp.Navigate(p.URL + "/quotes"))
		if n := contact.count(`a[href="` + quotePath + `"]`); n != 1 {
			t.Fatalf("the request is listed %d times under Outstanding", n)
		}
		contact.run(chromedp.Navigate(p.URL + quotePath))
		if contact.count(`form#answer`) != 0 {
			t.Error("a quote not yet priced offers the answer form")
		}

		// Staff price it and send it.
		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/quotes"))
		staff.submit(`a[href="/console/quotes/` + x.ID + `"]`)
		staff.fill(`form#price`, "item_1_code", "EXT-6", "item_1_description", "6kg CO2 extinguisher", "item_1_quantity", "2",
			"item_1_unit_price", "45.00", "item_2_description", "Fitting", "item_2_unit_price", "30")
		if msg := staff.text(".notice"); !strings.Contains(msg, "The quote is sent") {
			t.Fatalf("after sending, the console says %q", msg)
		}
		mail := p.lastMailTo(t, "site@demo.test")
		if !strings.Contains(mail.Payload, quotePath) || !strings.Contains(mail.Subject, x.Number) {
			t.Errorf("the quote-sent mail %q does not link the quote:\n%s", mail.Subject, mail.Payload)
		}

		// The contact opens it and accepts it with a typed name.
		contact.run(chromedp.Navigate(p.URL + quotePath))
		if total := contact.text("main"); !strings.Contains(total, "£144.00") {
			t.Errorf("the priced quote does not show its total inc. tax £144.00:\n%s", total)
		}
		contact.fill(`form#answer`, "signed_by_name", "Sophie Turner", "comment", "Please fit before the weekend")
		if got := contact.location(); got != quotePath+"?done=accepted" {
			t.Fatalf("after accepting the contact is at %q", got)
		}
		if msg := contact.text(".notice"); !strings.Contains(msg, "you have accepted quote "+x.Number) {
			t.Errorf("notice %q", msg)
		}
		contact.run(chromedp.Navigate(p.URL + "/quotes?tab=actioned"))
		if contact.count(`a[href="`+quotePath+`"]`) != 1 {
			t.Error("the accepted quote is not under Actioned")
		}
		contact.run(chromedp.Navigate(p.URL + "/quotes"))
		if contact.count(`a[href="`+quotePath+`"]`) != 0 {
			t.Error("the accepted quote is still under Outstanding")
		}
		// The office is mailed at the demo's support address.
		office := p.lastMailTo(t, "service@brightwater.example")
		if !strings.Contains(office.Subject, x.Number+" accepted by Sophie Turner") || !strings.Contains(office.Payload, "/console/quotes/"+x.ID) {
			t.Errorf("the office's mail %q:\n%s", office.Subject, office.Payload)
		}
		// Staff see the answer.
		staff.run(chromedp.Navigate(p.URL + "/console/quotes/" + x.ID))
		if ans := staff.text("main"); !strings.Contains(ans, "Sophie Turner") || !strings.Contains(ans, "Please fit before the weekend") {
			t.Errorf("the console does not show the answer:\n%s", ans)
		}

		// Without the Quotes page: no link anywhere, and 404 at its
		// addresses. The grants are read afresh on each request.
		var pages []string
		for _, m := range fieldportal.AllModules {
			if m != fieldportal.ModuleQuotes {
				pages = append(pages, string(m))
			}
		}
		if _, err := p.DB.SQL().ExecContext(ctx, `UPDATE portal_logins SET page_access = $1 WHERE org_id = $2 AND username = $3`,
			strings.Join(pages, ","), org, "site@demo.test"); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/quotes", "/quotes?tab=actioned", "/quotes.csv", quotePath, quotePath + ".pdf"} {
			if code := contact.status(path); code != http.StatusNotFound {
				t.Errorf("GET %s without the Quotes page = %d, want 404", path, code)
			}
		}
		for _, path := range []string{"/", sitePath} {
			contact.run(chromedp.Navigate(p.URL + path))
			if n := contact.count(`a[href^="/quotes"]`); n != 0 {
				t.Errorf("%s links quotes %d times to a contact without the page", path, n)
			}
			if strings.Contains(contact.text("main"), "quote") {
				t.Errorf("%s mentions quotes to a contact without the page", path)
			}
		}
		contact.run(chromedp.Navigate(p.URL + quotePath))
		if h := contact.text("h1"); h != "Page not found" {
			t.Errorf("the quote's page without the Quotes page has the heading %q", h)
		}
	})
}
