package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const demoPassword = "Demo-pass-1"

// fill types into the named inputs of a form and submits it.
func (b *browser) fill(form string, values ...string) {
	b.t.Helper()
	var acts []chromedp.Action
	for i := 0; i+1 < len(values); i += 2 {
		sel := form + ` [name="` + values[i] + `"]`
		acts = append(acts, chromedp.WaitVisible(sel, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector(`+jsString(sel)+`).value = ""`, nil),
			chromedp.SendKeys(sel, values[i+1], chromedp.ByQuery))
	}
	b.run(acts...)
	b.submit(form + ` button[type=submit]`)
}

// siteRows counts the rows of the Job sites table.
func (b *browser) siteRows() int {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+"/sites"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	return b.count(`table tbody tr`)
}

// TestJourneyDemoContacts: the demo's parent contact sees its group's
// sites, the site contact exactly its one, and another customer's site
// is "not found" to it (SPEC §2, §8).
func TestJourneyDemoContacts(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		parent := mustBrowser(t, p.URL)
		parent.loginAs("parent")
		if got := parent.location(); got != "/" {
			t.Fatalf("after sign-in the parent is at %q, want the dashboard", got)
		}
		if h := parent.text("h1"); h != "Dashboard" {
			t.Errorf("parent's first page is %q", h)
		}
		n := parent.siteRows()
		if n < 3 {
			t.Errorf("parent sees %d sites, want at least 3", n)
		}
		var parentSite string
		parent.run(chromedp.AttributeValue(`table tbody tr a`, "href", &parentSite, nil, chromedp.ByQuery))

		site := mustBrowser(t, p.URL)
		site.login("SITE@demo.test", demoPassword) // usernames ignore case
		if n := site.siteRows(); n != 1 {
			t.Errorf("site contact sees %d sites, want exactly 1", n)
		}
		var own string
		site.run(chromedp.AttributeValue(`table tbody tr a`, "href", &own, nil, chromedp.ByQuery))
		if own == parentSite {
			t.Fatalf("the first site of both contacts is %s; pick another", own)
		}
		resp := site.status(parentSite)
		if resp != http.StatusNotFound {
			t.Errorf("GET %s (the group's site) as the site contact = %d, want 404", parentSite, resp)
		}
		if resp := site.status(own); resp != http.StatusOK {
			t.Errorf("GET its own site = %d, want 200", resp)
		}
		// Opened in the browser too: the error page and the site's page
		// are pages a contact sees (and axe checks them).
		site.run(chromedp.Navigate(p.URL + parentSite))
		if h := site.text("h1"); h != "Page not found" {
			t.Errorf("the group's site shows %q to the site contact, want Page not found", h)
		}
		site.run(chromedp.Navigate(p.URL + own))
		if h := site.text("h1"); h == "" || h == "Page not found" {
			t.Errorf("its own site's page has the heading %q", h)
		}
	})
}

// TestJourneyWrongPassword: a wrong password keeps the user on the sign-in
// page with one message that does not say which part was wrong.
func TestJourneyWrongPassword(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		b := mustBrowser(t, p.URL)
		b.login("parent@demo.test", "Wrong-pass-1")
		if got := b.location(); !strings.HasPrefix(got, "/login") {
			t.Errorf("after a wrong password the browser is at %q", got)
		}
		msg := b.text(".error-summary")
		if !strings.Contains(msg, "Wrong username or password") {
			t.Errorf("message = %q", msg)
		}
		b.login("nobody@demo.test", "Wrong-pass-1")
		if other := b.text(".error-summary"); other != msg {
			t.Errorf("an unknown user gets %q, a known one %q", other, msg)
		}
	})
}

// TestJourneyInviteSetupLogin: staff send portal access from the console;
// the contact follows the mailed link, chooses its login, lands on the
// dashboard and sees its site.
func TestJourneyInviteSetupLogin(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		staff := mustBrowser(t, p.URL)
		staff.run(chromedp.Navigate(p.URL + "/console/contacts?q=Mark"))
		staff.fill(`form#console-login`, "email", "admin@demo.test", "password", demoPassword)
		staff.submit(`table tbody tr a`)
		if h := staff.text("h1"); h != "Mark Jenkins" {
			t.Fatalf("opened %q, want Mark Jenkins", h)
		}
		staff.submit(`form#access-form button[type=submit]`)
		if st := staff.text("#login-status"); st != "Invited" {
			t.Errorf("status after sending access = %q", st)
		}
		mail := p.lastMailTo(t, "mark.jenkins@parkwaycinemas.example")
		link := linkIn(t, mail)

		contact := mustBrowser(t, p.URL)
		contact.run(chromedp.Navigate(link), chromedp.WaitVisible(`form#setup`, chromedp.ByQuery))
		contact.fill(`form#setup`, "first_name", "Mark", "last_name", "Jenkins", "username", "mark.j", "password", "Cinema-duty-42", "confirm", "Cinema-duty-42")
		if got := contact.location(); got != "/" {
			t.Fatalf("after setup the contact is at %q, want the dashboard (page says %q)", got, contact.text("main"))
		}
		if n := contact.siteRows(); n != 1 {
			t.Errorf("Mark sees %d sites, want 1", n)
		}
		// The link is spent; and the new login signs in again later.
		again := mustBrowser(t, p.URL)
		again.run(chromedp.Navigate(link), chromedp.WaitReady(`body`, chromedp.ByQuery))
		if again.count(`form#setup`) != 0 {
			t.Error("the setup link works a second time")
		}
		again.login("mark.j", "Cinema-duty-42")
		if got := again.location(); got != "/" {
			t.Errorf("signing in with the new login lands at %q", got)
		}
	})
}

// TestJourneyForgotResetEndsSessions: a contact resets its password from
// the mailed link; a session signed in before is gone afterwards.
func TestJourneyForgotResetEndsSessions(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		old := mustBrowser(t, p.URL)
		old.loginAs("site")
		if n := old.siteRows(); n != 1 {
			t.Fatalf("signed-in contact sees %d sites", n)
		}

		b := mustBrowser(t, p.URL)
		b.run(chromedp.Navigate(p.URL + "/forgot"))
		b.fill(`form#forgot`, "email", "site@demo.test")
		if msg := b.text(".notice"); !strings.Contains(msg, "If that address has a portal login") {
			t.Errorf("forgot answer = %q", msg)
		}
		link := linkIn(t, p.lastMailTo(t, "site@demo.test"))
		b.run(chromedp.Navigate(link), chromedp.WaitVisible(`form#reset`, chromedp.ByQuery))
		b.fill(`form#reset`, "password", "Cinema-reset-77", "confirm", "Cinema-reset-77")

		old.run(chromedp.Navigate(p.URL+"/sites"), chromedp.WaitReady(`body`, chromedp.ByQuery))
		if got := old.location(); !strings.HasPrefix(got, "/login") {
			t.Errorf("the session from before the reset still opens /sites (at %q)", got)
		}
		b.login("site@demo.test", demoPassword)
		if got := b.location(); !strings.HasPrefix(got, "/login") {
			t.Error("the old password still works")
		}
		b.login("site@demo.test", "Cinema-reset-77")
		if got := b.location(); got != "/" {
			t.Errorf("the new password lands at %q", got)
		}
	})
}

// status fetches a path in the browser's session and returns the HTTP status.
func (b *browser) status(path string) int {
	b.t.Helper()
	var code int
	b.run(chromedp.Evaluate(`fetch(`+jsString(path)+`, {redirect: "manual"}).then(r => r.status)`, &code, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	return code
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
