package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// mustPasskeyDemo starts the demo at http://localhost:<port>: a passkey's
// relying party is a domain, and browsers refuse an IP address for one.
func mustPasskeyDemo(t *testing.T, engine int) *portal {
	t.Helper()
	port := freePort(t)
	return mustDemo(t, engines[engine], "--addr", "127.0.0.1:"+port, "--base-url", "http://localhost:"+port)
}

// virtualAuthenticator gives the browser Chromium's DevTools virtual
// authenticator: a platform authenticator (CTAP2, internal transport)
// that keeps discoverable credentials and verifies its user.
func (b *browser) virtualAuthenticator() {
	b.t.Helper()
	b.run(chromedp.ActionFunc(func(ctx context.Context) error {
		if err := webauthn.Enable().Do(ctx); err != nil {
			return err
		}
		_, err := webauthn.AddVirtualAuthenticator(&webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}).Do(ctx)
		return err
	}))
}

// logout signs the browser out through the account menu's form.
func (b *browser) logout() {
	b.t.Helper()
	b.run(chromedp.Evaluate(`document.querySelector('form[action="/logout"]').submit()`, nil),
		chromedp.WaitVisible(`form#login`, chromedp.ByQuery))
}

// signInWithPasskey presses the sign-in page's passkey button.
func (b *browser) signInWithPasskey() {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+"/login"), chromedp.WaitVisible(`form#passkey-signin button`, chromedp.ByQuery))
	b.submit(`form#passkey-signin button[type=submit]`)
}

// TestJourneyPasskey (issue 21): the site contact adds a passkey in its
// preferences through Chromium's virtual authenticator, signs out and
// signs in with it alone (no username, no password); disabled, its
// passkey no longer signs it in; and a password reset ends the session
// the passkey started. axe-core checks every page on the way.
func TestJourneyPasskey(t *testing.T) {
	for i, e := range engines {
		t.Run(e.String(), func(t *testing.T) {
			p := mustPasskeyDemo(t, i)
			if !strings.HasPrefix(p.URL, "http://localhost:") {
				t.Fatalf("the demo runs at %s", p.URL)
			}
			b := mustBrowser(t, p.URL)
			b.virtualAuthenticator()
			b.loginAs("site")
			b.run(chromedp.Navigate(p.URL+"/preferences"), chromedp.WaitVisible(`form#passkey-add`, chromedp.ByQuery))
			if n := b.count(`[data-passkey-nojs]:not([hidden])`); n != 0 {
				t.Errorf("the no-JavaScript hint shows with JavaScript on")
			}

			// A wrong password starts no ceremony: the form says so
			// itself, naming the field, and keeps no password.
			b.run(chromedp.SendKeys(`#passkey_name`, "Test laptop", chromedp.ByQuery),
				chromedp.SendKeys(`#passkey_password`, "Wrong-pass-1", chromedp.ByQuery),
				chromedp.Click(`form#passkey-add button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`form#passkey-add .error-summary a[href="#passkey_password"]`, chromedp.ByQuery))
			if s := b.text(`#passkey_password-error`); !strings.Contains(s, "Current password is not right.") {
				t.Errorf("a wrong password: %q", s)
			}
			var typed string
			b.run(chromedp.Value(`#passkey_password`, &typed, chromedp.ByQuery))
			if typed != "" || b.location() != "/preferences" {
				t.Errorf("after a wrong password: %q kept, at %q", typed, b.location())
			}

			b.fill(`form#passkey-add`, "passkey_name", "Test laptop", "passkey_password", demoPassword)
			if got := b.location(); got != "/preferences?done=passkey_added#passkeys-heading" {
				t.Fatalf("after adding, the browser is at %q; page:\n%s", got, b.text("main"))
			}
			if s := b.text(`.passkey-list`); !strings.Contains(s, "Test laptop") || !strings.Contains(s, "not used yet") {
				t.Errorf("the list shows %q", s)
			}
			if m := p.lastMailTo(t, "site@demo.test"); m.Topic != "passkey_added" || !strings.Contains(m.Payload, "Test laptop") {
				t.Errorf("the contact got %q:\n%s", m.Topic, m.Payload)
			}

			b.logout()
			b.signInWithPasskey()
			if got := b.location(); got != "/" {
				t.Fatalf("after the passkey sign-in, the browser is at %q; page:\n%s", got, b.text("main"))
			}
			b.run(chromedp.Navigate(p.URL+"/preferences"), chromedp.WaitVisible(`.passkey-list`, chromedp.ByQuery))
			if s := b.text(`.passkey-list`); !strings.Contains(s, "last used") {
				t.Errorf("the list shows %q after use", s)
			}

			// Disabled, the login cannot sign in by passkey; the answer
			// is the one for any passkey that does not sign in.
			const login = `(SELECT pl.id FROM portal_logins pl JOIN contacts c ON c.id = pl.contact_id WHERE c.email = 'site@demo.test')`
			if _, err := p.DB.SQL().Exec(`UPDATE portal_logins SET status = 'disabled' WHERE id = ` + login); err != nil {
				t.Fatal(err)
			}
			b.signInWithPasskey()
			if s := b.text(`.error-summary`); !strings.Contains(s, "That passkey did not sign you in.") {
				t.Errorf("a disabled login's passkey: %q", s)
			}
			b.run(chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
			if got := b.location(); !strings.HasPrefix(got, "/login") {
				t.Errorf("a disabled login reaches %q", got)
			}
			if _, err := p.DB.SQL().Exec(`UPDATE portal_logins SET status = 'active' WHERE id = ` + login); err != nil {
				t.Fatal(err)
			}

			// A password reset ends the session the passkey started.
			b.signInWithPasskey()
			if got := b.location(); got != "/" {
				t.Fatalf("after the passkey sign-in, the browser is at %q", got)
			}
			other := mustBrowser(t, p.URL)
			other.run(chromedp.Navigate(p.URL+"/forgot"), chromedp.WaitVisible(`form`, chromedp.ByQuery))
			other.fill(`form#forgot`, "email", "site@demo.test")
			link := linkIn(t, p.lastMailTo(t, "site@demo.test"))
			other.run(chromedp.Navigate(link), chromedp.WaitVisible(`input[name=password]`, chromedp.ByQuery))
			other.fill(`form#reset`, "password", "Passkey-Reset-77", "confirm", "Passkey-Reset-77")
			if got := other.location(); got != "/login?done=reset" {
				t.Fatalf("after the reset, the other browser is at %q", got)
			}
			b.run(chromedp.Navigate(p.URL+"/preferences"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
			if got := b.location(); !strings.HasPrefix(got, "/login") {
				t.Errorf("the passkey session survived the reset: at %q", got)
			}
		})
	}
}
