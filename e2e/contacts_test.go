package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
)

// TestJourneyManagedContact (issue 20): the demo's parent contact, who
// manages contacts, creates a contact at a child customer with page
// access Invoices only and one assigned site, Login active; the setup mail
// arrives; the new contact completes setup and sees exactly the Invoices
// module, for that one site. Then a tampered form granting a page the
// manager lacks is refused, and the login is as it was. axe-core checks
// every page on the way.
func TestJourneyManagedContact(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		ctx := context.Background()
		org := p.demoOrg(t)
		sys := fieldportal.SystemViewer(org, "test")
		// The manager lacks the Reports page, so a grant of it is beyond
		// what it has.
		mgrLogin, err := p.DB.FindLoginForSignIn(ctx, org, personas["parent"])
		if err != nil {
			t.Fatal(err)
		}
		mgrLogin.Pages = slices.DeleteFunc(mgrLogin.Pages, func(m fieldportal.Module) bool { return m == fieldportal.ModuleReports })
		if err := p.DB.UpdateLoginAccess(ctx, sys, mgrLogin); err != nil {
			t.Fatal(err)
		}
		customers, _, err := p.DB.FindCustomers(ctx, sys, fieldportal.CustomerFilter{Search: "Harbourside Retail Park"})
		if err != nil || len(customers) != 1 {
			t.Fatalf("the retail park customer: %v, %v", customers, err)
		}
		sites, _, err := p.DB.FindSites(ctx, sys, fieldportal.SiteFilter{Search: "Avonmouth Way Retail Park"})
		if err != nil || len(sites) != 1 {
			t.Fatalf("the retail park site: %v, %v", sites, err)
		}
		site := sites[0]
		const email = "rhea.rowe@harbourside-retail.example"

		mgr := mustBrowser(t, p.URL)
		mgr.loginAs("parent")
		mgr.run(chromedp.Navigate(p.URL + "/preferences"))
		mgr.submit(`main a[href="/preferences/contacts"]`)
		if h := mgr.text("h1"); h != "Contacts and users" {
			t.Fatalf("the link leads to %q", h)
		}
		mgr.submit(`main a[href="/preferences/contacts/new"]`)
		if n := mgr.count(`input[name=pages][value=reports]`); n != 0 {
			t.Error("the form offers the Reports page, which the manager lacks")
		}
		mgr.run(
			chromedp.SetValue(`select#customer_id`, customers[0].ID, chromedp.ByQuery),
			chromedp.SendKeys(`#first_name`, "Rhea", chromedp.ByQuery),
			chromedp.SendKeys(`#last_name`, "Rowe", chromedp.ByQuery),
			chromedp.SendKeys(`#email`, email, chromedp.ByQuery),
			chromedp.Click(`input[name=roles][value=invoice]`, chromedp.ByQuery),
			chromedp.Click(`input[name=login][value=invite]`, chromedp.ByQuery),
			// The organisation's default pages come ticked: Invoices alone.
			chromedp.Evaluate(`document.querySelectorAll('input[name=pages]').forEach(e => { e.checked = false })`, nil),
			chromedp.Click(`input[name=pages][value=invoices]`, chromedp.ByQuery),
			chromedp.Click(`input[name=site_access][value=assigned]`, chromedp.ByQuery),
			chromedp.Click(`input[name=sites][value="`+site.ID+`"]`, chromedp.ByQuery),
		)
		mgr.submit(`form#contact-new button[type=submit]`)
		if msg := mgr.text(".notice"); !strings.Contains(msg, "setup email has been sent") {
			t.Fatalf("after saving: %q (at %s)", msg, mgr.location())
		}
		contactPage := mgr.location()
		contactPage = contactPage[:strings.Index(contactPage, "?")]

		// The setup mail, and the new contact's first sign-in.
		link := linkIn(t, p.lastMailTo(t, email))
		rhea := mustBrowser(t, p.URL)
		rhea.run(chromedp.Navigate(link), chromedp.WaitVisible(`form#setup`, chromedp.ByQuery))
		rhea.fill(`form#setup`, "first_name", "Rhea", "last_name", "Rowe", "username", email, "password", "Retail-park-42", "confirm", "Retail-park-42")
		if got := rhea.location(); got != "/" {
			t.Fatalf("after setup the contact is at %q (page says %q)", got, rhea.text("main"))
		}
		var nav []string
		rhea.run(chromedp.Evaluate(`Array.from(document.querySelectorAll('#site-nav-list a')).map(e => e.textContent.trim())`, &nav))
		// Messages follows from Invoices: an invoice has its thread (issue 22).
		if strings.Join(nav, ",") != "Invoices,Messages" {
			t.Errorf("the new contact's menu is %v, want Invoices and Messages alone", nav)
		}
		rhea.submit(`nav a[href="/invoices"]`)
		own, _, err := p.DB.FindInvoices(ctx, sys, fieldportal.InvoiceFilter{SiteID: site.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(own) == 0 {
			t.Fatal("the demo has no invoice at the retail park")
		}
		var want, listed, siteCells []string
		for _, inv := range own {
			want = append(want, inv.Number)
		}
		rhea.run(chromedp.Evaluate(`Array.from(document.querySelectorAll('table tbody th[data-label="Invoice"] a')).map(e => e.textContent)`, &listed),
			chromedp.Evaluate(`Array.from(document.querySelectorAll('table tbody td[data-label="Site"]')).map(e => e.textContent)`, &siteCells))
		slices.Sort(want)
		slices.Sort(listed)
		if strings.Join(listed, " ") != strings.Join(want, " ") {
			t.Errorf("the new contact's invoices are %v, want those of its site %v", listed, want)
		}
		for _, s := range siteCells {
			if s != site.Name {
				t.Errorf("the new contact's list holds an invoice at %q", s)
			}
		}
		if got := rhea.status("/sites"); got != 404 {
			t.Errorf("the Job sites page = %d for a contact without it, want 404", got)
		}

		// A tampered form: the manager's access form posting the Reports
		// page, which it lacks, is refused and changes nothing.
		mgr.run(chromedp.Navigate(p.URL+contactPage), chromedp.WaitVisible(`form#access-form`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector('form#access-form').insertAdjacentHTML('beforeend', '<input type="hidden" name="pages" value="reports">')`, nil))
		mgr.submit(`form#access-form button[type=submit]`)
		if msg := mgr.text(".error-summary"); !strings.Contains(msg, "You cannot grant access to Reports") {
			t.Errorf("the tampered form says %q", msg)
		}
		id := strings.TrimPrefix(contactPage, "/preferences/contacts/")
		l, err := p.DB.FindLoginByContact(ctx, sys, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.Pages.String() != "invoices" || l.SiteAccess != fieldportal.SiteAccessAssigned || strings.Join(l.SiteIDs, ",") != site.ID {
			t.Errorf("after the tampered form the login is %+v", l)
		}
	})
}
