package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sso/ssotest"
)

// TestJourneySSO is issue 21's single sign-on in the browser, against a
// real provider on loopback: an admin gives the demo's parent customer
// its company sign-in in the console; the parent contact types its email,
// the page offers Continue with the company (sso.js), the provider's login
// page signs it in, and it lands in the portal seeing exactly the sites
// its password showed before; a password reset ends that session.
func TestJourneySSO(t *testing.T) {
	// The test provider is plain http on loopback, which production's
	// settings refuse (an issuer must be a public https address).
	eachEngineWith(t, []string{"--sso-allow-http", "true", "--sso-allow-private", "true"}, func(t *testing.T, p *portal) {
		ctx := context.Background()
		org := p.demoOrg(t)
		sys := fieldportal.SystemViewer(org, "test")
		login, err := p.DB.FindLoginByEmail(ctx, org, "parent@demo.test")
		if err != nil {
			t.Fatal(err)
		}
		contact, err := p.DB.FindContactByID(ctx, sys, login.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		cust, err := p.DB.FindCustomerByID(ctx, sys, contact.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		idp := ssotest.Start(t, "fieldportal", "demo-client-secret", p.URL+"/sso/callback",
			ssotest.User{Username: "pat", Password: "at-the-company", Email: "parent@demo.test", EmailVerified: true})

		before := mustBrowser(t, p.URL)
		before.loginAs("parent")
		want := before.siteRows()
		if want < 2 {
			t.Fatalf("the parent contact sees %d sites with its password, want its group's", want)
		}

		admin := mustBrowser(t, p.URL)
		admin.loginAs("admin")
		admin.run(chromedp.Navigate(p.URL + "/console/customers/" + cust.ID))
		admin.submit(`a[href$="/sso"]`)
		admin.fill(`form[action$="/sso"]`, "issuer", idp.Issuer, "client_id", "fieldportal", "client_secret", "demo-client-secret",
			"domains", "demo.test")
		if loc := admin.location(); !strings.HasSuffix(loc, "?done=sso#sso") {
			t.Fatalf("saving single sign-on lands at %q", loc)
		}
		if got := admin.text(`section[aria-labelledby="sso"]`); !strings.Contains(got, idp.Issuer) || !strings.Contains(got, "demo.test") {
			t.Errorf("the customer's section = %q", got)
		}

		b := mustBrowser(t, p.URL)
		b.notOurs(idp.Issuer)
		b.run(chromedp.Navigate(p.URL+"/login"), chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery),
			chromedp.SendKeys(`input[name=username]`, "parent@demo.test", chromedp.ByQuery),
			chromedp.WaitVisible(`#sso-start a`, chromedp.ByQuery))
		if got := strings.Join(strings.Fields(b.text(`#sso-start a`)), " "); got != "Continue with "+cust.Name {
			t.Errorf("the offer reads %q, want Continue with %s", got, cust.Name)
		}
		b.submit(`#sso-start a`)
		if loc := b.location(); !strings.HasPrefix(loc, idp.Issuer+"/login/") {
			t.Fatalf("Continue lands at %q, want the provider's login page", loc)
		}
		b.fill(`form`, "username", "pat", "password", "at-the-company")
		if loc := b.location(); loc != "/" {
			t.Fatalf("back from the provider at %q, want the portal's home", loc)
		}
		if got := b.siteRows(); got != want {
			t.Errorf("signed in through the company the contact sees %d sites, want %d as with its password", got, want)
		}

		// A reset (here by the contact's own link) ends the SSO session.
		r := mustBrowser(t, p.URL)
		r.run(chromedp.Navigate(p.URL + "/forgot"))
		r.fill(`form#forgot`, "email", "parent@demo.test")
		link := linkIn(t, p.lastMailTo(t, "parent@demo.test"))
		r.run(chromedp.Navigate(link), chromedp.WaitVisible(`form#reset`, chromedp.ByQuery))
		r.fill(`form#reset`, "password", "Harbour-reset-77", "confirm", "Harbour-reset-77")
		b.run(chromedp.Navigate(p.URL+"/sites"), chromedp.WaitReady(`body`, chromedp.ByQuery))
		if got := b.location(); !strings.HasPrefix(got, "/login") {
			t.Errorf("the SSO session still opens /sites after a reset (at %q)", got)
		}
	})
}

// TestScreensSSO saves the pages of single sign-on once it is set up (at
// 390 and 1280 px, as TestScreens): the customer's section in the console
// and its form, the sign-in page offering Continue with the company as the
// address is typed, and the refusal page.
func TestScreensSSO(t *testing.T) {
	dir := os.Getenv("FIELDPORTAL_SCREENSHOTS")
	if dir == "" {
		t.Skip("set FIELDPORTAL_SCREENSHOTS to a folder to save screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := mustDemo(t, sqlstore.SQLite)
	ctx := context.Background()
	org := p.demoOrg(t)
	sys := fieldportal.SystemViewer(org, "test")
	login, err := p.DB.FindLoginByEmail(ctx, org, "parent@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	contact, err := p.DB.FindContactByID(ctx, sys, login.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	idp := ssotest.Start(t, "fieldportal", "demo-client-secret", p.URL+"/sso/callback")
	if err := p.DB.SaveCustomerSSO(ctx, sys, &fieldportal.CustomerSSO{CustomerID: contact.CustomerID, Issuer: idp.Issuer, ClientID: "fieldportal",
		ClientSecret: "demo-client-secret", Domains: []string{"demo.test", "harbourside.example"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{390, 1280} {
		admin := mustBrowser(t, p.URL)
		anon := mustBrowser(t, p.URL)
		for _, b := range []*browser{admin, anon} {
			if width < 600 {
				b.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
			} else {
				b.run(chromedp.EmulateViewport(width, 900))
			}
		}
		admin.loginAs("admin")
		admin.save(p.URL+"/console/customers/"+contact.CustomerID, filepath.Join(dir, "console-customer-sso-"+itoa(width)+".png"))
		admin.save(p.URL+"/console/customers/"+contact.CustomerID+"/sso", filepath.Join(dir, "console-customer-sso-edit-"+itoa(width)+".png"))
		var png []byte
		anon.run(chromedp.Navigate(p.URL+"/login"), chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery),
			chromedp.SendKeys(`input[name=username]`, "parent@demo.test", chromedp.ByQuery),
			chromedp.WaitVisible(`#sso-start a`, chromedp.ByQuery), chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join(dir, "login-sso-offer-"+itoa(width)+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		anon.save(p.URL+"/sso/callback?state=none&code=none", filepath.Join(dir, "sso-refused-"+itoa(width)+".png"))
	}
}
