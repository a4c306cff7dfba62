package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneyAutopay: the parent contact sees the cinema's monthly
// schedule paid by its saved card (the demo wires no payment provider
// yet, so no card change is offered), cancels auto-pay after confirming, and
// sees it off; staff find it in the console's recurring invoices, open
// it, and set up a new one for a customer they search for, the form
// naming the fields at fault first. axe-core checks every page.
func TestJourneyAutopay(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		contact := mustBrowser(t, p.URL)
		contact.loginAs("parent")
		contact.run(chromedp.Navigate(p.URL + "/payments/automatic"))
		page := contact.text("main")
		for _, s := range []string{"Monthly fire alarm and emergency lighting maintenance", "Parkway Cinema Swindon", "Visa ending 4242"} {
			if !strings.Contains(page, s) {
				t.Errorf("the page lacks %q:\n%s", s, page)
			}
		}
		var cancel string
		contact.run(chromedp.AttributeValue(`table tbody tr a[href$="/cancel"]`, "href", &cancel, nil, chromedp.ByQuery))
		contact.submit(`a[href="` + cancel + `"]`)
		if q := contact.text("h1"); q != "Cancel automatic payment" {
			t.Fatalf("the confirmation is headed %q", q)
		}
		contact.submit(`.confirm button[type=submit]`)
		if got := contact.location(); got != "/payments/automatic?done=cancelled" {
			t.Fatalf("after cancelling the contact is at %q", got)
		}
		if msg := contact.text(".notice"); !strings.Contains(msg, "Automatic payment is cancelled") {
			t.Errorf("notice %q", msg)
		}
		if contact.count(`a[href="`+cancel+`"]`) != 0 {
			t.Error("a cancelled schedule still offers to cancel")
		}
		contact.axeCoverage()

		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/recurring?q=parkway"))
		if list := staff.text("main"); !strings.Contains(list, "Monthly fire alarm") || !strings.Contains(list, "Parkway Cinemas Ltd") {
			t.Errorf("the console's list:\n%s", list)
		}
		staff.submit(`table tbody tr a`)
		if h := staff.text("h1"); !strings.HasPrefix(h, "Recurring invoice Monthly fire alarm") {
			t.Errorf("the schedule's page is headed %q", h)
		}
		staff.run(chromedp.Navigate(p.URL + "/console/recurring/new?customer_q=parkway"))
		staff.submit(`main ul a`)
		staff.fill(`form#recurring-form`, "name", "", "total_inc_tax", "ten pounds", "next_due_date", "")
		if errs := staff.text(".error-summary"); !strings.Contains(errs, "Name is required.") || !strings.Contains(errs, "Total must be an amount") {
			t.Errorf("error summary %q", errs)
		}
		// A date input takes typed keys in the browser's locale; set it.
		staff.run(chromedp.SetValue(`form#recurring-form [name="next_due_date"]`, "2099-01-31", chromedp.ByQuery))
		staff.fill(`form#recurring-form`, "name", "Sprinkler monitoring", "total_inc_tax", "45.00")
		if got := staff.location(); got != "/console/recurring?done=created" {
			t.Fatalf("after saving staff are at %q", got)
		}
		if list := staff.text("main"); !strings.Contains(list, "Sprinkler monitoring") {
			t.Errorf("the new schedule is not listed:\n%s", list)
		}
		staff.axeCoverage()
	})
}
