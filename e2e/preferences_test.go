package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// emailLinkRe finds the link of an email change in its mail.
var emailLinkRe = regexp.MustCompile(`https?://\S+/email/[A-Za-z0-9_-]+`)

// TestJourneyEmailChange (issue 20): the site contact asks for a new
// email address in its preferences, typing its current password (a wrong
// one, or an address another contact uses, is refused, the address typed
// kept), follows the link mailed to the new address in another browser,
// and signs in with it; the old address is told of the request and of
// the change. axe-core checks every page on the way.
func TestJourneyEmailChange(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		b := mustBrowser(t, p.URL)
		b.loginAs("site")
		b.run(chromedp.Navigate(p.URL+"/preferences"), chromedp.WaitVisible(`form#email-change`, chromedp.ByQuery))

		// Without the right current password nothing is sent; the
		// address typed is kept, the password is not.
		b.fill(`form#email-change`, "email", "site.stolen@demo.test", "current_password", "Not-the-pass-9")
		if msg := b.text(`#current_password-error`); !strings.Contains(msg, "Current password is not right.") {
			t.Errorf("a wrong current password: %q", msg)
		}
		var typed, pw string
		b.run(chromedp.Value(`#email`, &typed, chromedp.ByQuery), chromedp.Value(`#current_password`, &pw, chromedp.ByQuery))
		if typed != "site.stolen@demo.test" || pw != "" {
			t.Errorf("the form kept %q and the password %q", typed, pw)
		}

		b.fill(`form#email-change`, "email", "parent@demo.test", "current_password", demoPassword)
		if msg := b.text(`#email-error`); !strings.Contains(msg, "already used") {
			t.Errorf("a taken address: %q", msg)
		}
		b.run(chromedp.Value(`#email`, &typed, chromedp.ByQuery))
		if typed != "parent@demo.test" {
			t.Errorf("the form kept %q", typed)
		}

		b.fill(`form#email-change`, "email", "site.new@demo.test", "current_password", demoPassword)
		if got := b.location(); got != "/preferences?done=email" {
			t.Fatalf("after asking, the browser is at %q", got)
		}
		if s := b.text(`main`); !strings.Contains(s, "A link was sent to site.new@demo.test") {
			t.Errorf("the pending change is not shown:\n%s", s)
		}
		if told := p.lastMailTo(t, "site@demo.test"); told.Topic != "email_change_requested" || !strings.Contains(told.Payload, "site.new@demo.test") {
			t.Errorf("the current address got %q:\n%s", told.Topic, told.Payload)
		}
		m := p.lastMailTo(t, "site.new@demo.test")
		link := emailLinkRe.FindString(m.Payload)
		if link == "" {
			t.Fatalf("no link in the mail:\n%s", m.Payload)
		}

		other := mustBrowser(t, p.URL)
		other.run(chromedp.Navigate(link), chromedp.WaitVisible(`form#email-confirm`, chromedp.ByQuery))
		other.submit(`form#email-confirm button[type=submit]`)
		if got := other.location(); got != "/login?done=email" {
			t.Fatalf("after the link, the browser is at %q", got)
		}
		other.login("site.new@demo.test", demoPassword)
		if got := other.location(); got != "/" {
			t.Errorf("signing in with the new address lands at %q", got)
		}
		if told := p.lastMailTo(t, "site@demo.test"); told.Topic != "email_changed" || !strings.Contains(told.Payload, "site.new@demo.test") {
			t.Errorf("the old address got %q:\n%s", told.Topic, told.Payload)
		}
		other.run(chromedp.Navigate(p.URL+"/preferences"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
		if s := other.text(`main`); !strings.Contains(s, "site.new@demo.test") {
			t.Errorf("the preferences do not show the new address:\n%s", s)
		}
	})
}
