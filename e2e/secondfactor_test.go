package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// Second factors in Chromium (issue 21). The codes are computed with
// pquerna/otp from the secret the set-up page shows, as a phone's app
// would; axe-core checks every page on the way.

// code is the authenticator's code of secret now.
func code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// freshStep waits for the authenticator's next 30-second step, so that
// its code was never used.
func freshStep() {
	now := time.Now()
	time.Sleep(time.Duration(30-now.Unix()%30)*time.Second + 200*time.Millisecond)
}

// setUpTOTP turns on the authenticator app from the set-up page the
// browser is on and returns the secret and the recovery codes shown.
func (b *browser) setUpTOTP(t *testing.T) (string, []string) {
	t.Helper()
	secret := strings.ReplaceAll(b.text(`#totp-secret`), " ", "")
	b.fill(`form#totp-setup`, "code", code(t, secret))
	var codes []string
	b.run(chromedp.WaitVisible(`#recovery-codes`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#recovery-codes code")].map(e => e.textContent)`, &codes))
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	return secret, codes
}

// beginTOTP starts setting up an authenticator app from the portal's
// security page, typing the current password it asks for.
func (b *browser) beginTOTP() {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+"/preferences/security"), chromedp.WaitVisible(`form#totp-begin`, chromedp.ByQuery))
	b.fill(`form#totp-begin`, "current_password", demoPassword)
}

// enterCode types a code on the code page the browser is on.
func (b *browser) enterCode(c string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+"/login/code"), chromedp.WaitVisible(`form#login-code`, chromedp.ByQuery))
	b.fill(`form#login-code`, "code", c)
}

// TestJourneySecondFactor: a contact turns on an authenticator app,
// signs out, reaches no page after its password alone, and gets in with
// a code; a wrong code and a reused one are refused; a recovery code
// works once.
func TestJourneySecondFactor(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		b := mustBrowser(t, p.URL)
		b.loginAs("site")
		b.beginTOTP()
		secret, recovery := b.setUpTOTP(t)
		b.submit(`#recovery-codes ~ p a`)
		if s := b.text(`#totp-status`); !strings.Contains(s, "10 recovery codes left") {
			t.Errorf("status %q", s)
		}
		b.logout()

		b.login("site@demo.test", demoPassword)
		if got := b.location(); got != "/login/code" {
			t.Fatalf("after the password alone, the browser is at %q", got)
		}
		for _, path := range []string{"/", "/sites", "/preferences", "/preferences/security", "/invoices"} {
			b.run(chromedp.Navigate(p.URL+path), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
			if got := b.location(); !strings.HasPrefix(got, "/login?next=") {
				t.Errorf("%s with the password alone: at %q", path, got)
			}
		}
		b.enterCode("000000")
		if msg := b.text(`#code-error`); !strings.Contains(msg, "not right") {
			t.Errorf("a wrong code: %q", msg)
		}
		freshStep()
		c := code(t, secret)
		b.enterCode(c)
		if got := b.location(); got != "/" {
			t.Fatalf("after the code, the browser is at %q", got)
		}

		b.logout()
		b.login("site@demo.test", demoPassword)
		b.enterCode(c)
		if msg := b.text(`#code-error`); !strings.Contains(msg, "already used") {
			t.Errorf("a reused code: %q", msg)
		}
		b.enterCode(recovery[0])
		if got := b.location(); got != "/" {
			t.Fatalf("after a recovery code, the browser is at %q", got)
		}
		b.logout()
		b.login("site@demo.test", demoPassword)
		b.enterCode(recovery[0])
		if msg := b.text(`#code-error`); !strings.Contains(msg, "not right") {
			t.Errorf("a recovery code used twice: %q", msg)
		}
		b.enterCode(recovery[1])
		b.run(chromedp.Navigate(p.URL+"/preferences/security"), chromedp.WaitVisible(`#totp-status`, chromedp.ByQuery))
		if s := b.text(`#totp-status`); !strings.Contains(s, "8 recovery codes left") {
			t.Errorf("status %q", s)
		}
	})
}

// TestJourneySecondFactorRequired: with contacts required to use a second
// factor (set in the console's settings), a contact without one is led
// to set it up right after its password, reaches nothing else before,
// and is signed in once it has.
func TestJourneySecondFactorRequired(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		admin := mustBrowser(t, p.URL)
		admin.loginAs("admin")
		admin.run(chromedp.Navigate(p.URL+"/console/settings"),
			chromedp.WaitVisible(`input[name=second_factor][value=contacts]`, chromedp.ByQuery),
			chromedp.Click(`input[name=second_factor][value=contacts]`, chromedp.ByQuery))
		admin.submit(`form[action="/console/settings"] button[type=submit]`)
		if got := admin.location(); got != "/console/settings?done=saved" {
			t.Fatalf("after saving the settings, the admin is at %q", got)
		}

		b := mustBrowser(t, p.URL)
		b.login("parent@demo.test", demoPassword)
		if got := b.location(); got != "/login/factor-setup" {
			t.Fatalf("after the password, the browser is at %q", got)
		}
		for _, path := range []string{"/", "/sites", "/preferences"} {
			b.run(chromedp.Navigate(p.URL+path), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
			if got := b.location(); !strings.HasPrefix(got, "/login?next=") {
				t.Errorf("%s before the set-up: at %q", path, got)
			}
		}
		b.run(chromedp.Navigate(p.URL+"/login/factor-setup"), chromedp.WaitVisible(`form#totp-setup`, chromedp.ByQuery))
		b.setUpTOTP(t)
		b.submit(`#recovery-codes ~ p a`)
		if got := b.location(); got != "/" {
			t.Errorf("after the set-up, the browser is at %q", got)
		}
	})
}
