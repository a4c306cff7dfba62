package server

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/sso/ssotest"
)

// Single sign-on through the portal's pages (issue 21 point 4), against a
// real provider on loopback: the sign-in form's offer, the flow, the
// refusal page, and the console's section. The token checks themselves
// are sso's tests.

const ssoSecret = "harbour-secret"

// mustSSO starts a provider signing parent@example.test in and gives
// Harbour Properties single sign-on for example.test through it.
func (f *fixture) mustSSO() *ssotest.Provider {
	f.t.Helper()
	p := ssotest.Start(f.t, "portal", ssoSecret, "http://portal.test/sso/callback",
		ssotest.User{Username: "pat", Password: "at-the-provider", Email: "parent@example.test", EmailVerified: true},
		ssotest.User{Username: "chris", Password: "at-the-provider", Email: "child@example.test", EmailVerified: true})
	err := f.db.SaveCustomerSSO(context.Background(), f.sys, &fieldportal.CustomerSSO{CustomerID: f.cust["parent"].ID, Issuer: p.Issuer,
		ClientID: "portal", ClientSecret: ssoSecret, Domains: []string{"example.test"}, Enabled: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// ssoStart is the start link the sign-in page offers, unescaped.
var ssoStart = regexp.MustCompile(`href="(/sso/start\?[^"]+)"`)

// ssoSignIn plays the contact: the email at the sign-in form, the offered
// button, the provider's login, and back; it returns the callback's answer.
func (b *browser) ssoSignIn(p *ssotest.Provider, email, username string) (*http.Response, string) {
	b.t.Helper()
	res, body := b.post("/login", url.Values{"username": {email}, "next": {"/sites"}})
	wantStatus(b.t, "the sign-in form with "+email, res, body, http.StatusOK)
	m := ssoStart.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "Continue with <span class=\"sso-company\">Harbour Properties</span>") {
		b.t.Fatalf("no Continue with Harbour Properties on the sign-in page:\n%s", body)
	}
	res, body = b.get(html.UnescapeString(m[1]))
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), p.Issuer) {
		b.t.Fatalf("start = %d to %q, want 303 to the provider:\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	code, state, err := p.Authorize(res.Header.Get("Location"), username, "at-the-provider")
	if err != nil {
		b.t.Fatal(err)
	}
	return b.get("/sso/callback?" + url.Values{"code": {code}, "state": {state}}.Encode())
}

func TestSSOThroughThePortal(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		// The throttles count on the store's clock, and the first request
		// past a free allowance is held back for one second only: the
		// subtests that go past one stop the clock, so that a loaded
		// machine's slow requests cannot outlast that second and let one
		// more through (set before any request: handlers read db.Now).
		var stopped atomic.Pointer[time.Time]
		db.Now = func() time.Time {
			if at := stopped.Load(); at != nil {
				return *at
			}
			return time.Now()
		}
		stopClock := func(t *testing.T) {
			now := time.Now()
			stopped.Store(&now)
			t.Cleanup(func() { stopped.Store(nil) })
		}
		p := f.mustSSO()
		t.Run("the contact signs in through its company and sees its sites", func(t *testing.T) {
			b := f.browser()
			res, _ := b.ssoSignIn(p, "parent@example.test", "pat")
			wantRedirect(t, "callback", res, "/sites")
			res, body := b.get("/sites")
			wantStatus(t, "sites", res, body, http.StatusOK)
			for _, site := range []string{"Harbour HQ", "Dock Warehouse"} {
				if !strings.Contains(body, site) {
					t.Errorf("the sites page lacks %s", site)
				}
			}
			if strings.Contains(body, "Solo Office") {
				t.Error("the sites page shows another customer's site")
			}
		})
		t.Run("the password form does not check a password for the domain", func(t *testing.T) {
			res, body := f.browser().post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}})
			wantStatus(t, "sign-in", res, body, http.StatusOK)
			if !strings.Contains(body, "Continue with") || strings.Contains(body, `name="password"`) {
				t.Errorf("the page does not offer the company sign-in instead of the password:\n%s", body)
			}
		})
		t.Run("the company endpoint names the domain's company only", func(t *testing.T) {
			for email, want := range map[string]string{"nobody@example.test": `{"company":"Harbour Properties"}`, "x@elsewhere.test": `{"company":""}`} {
				res, body := f.browser().get("/sso/company?email=" + url.QueryEscape(email))
				if res.StatusCode != http.StatusOK || strings.TrimSpace(body) != want {
					t.Errorf("company of %s = %d %q, want %q", email, res.StatusCode, body, want)
				}
			}
		})
		t.Run("a callback another browser started is refused", func(t *testing.T) {
			b := f.browser()
			res, body := b.post("/login", url.Values{"username": {"parent@example.test"}})
			m := ssoStart.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no offer:\n%s", body)
			}
			res, _ = b.get(html.UnescapeString(m[1]))
			code, state, err := p.Authorize(res.Header.Get("Location"), "pat", "at-the-provider")
			if err != nil {
				t.Fatal(err)
			}
			victim := f.browser()
			res, body = victim.get("/sso/callback?" + url.Values{"code": {code}, "state": {state}}.Encode())
			wantStatus(t, "another browser's callback", res, body, http.StatusForbidden)
			if !strings.Contains(body, html.EscapeString(fieldportal.SSORefused)) || victim.session() != "" {
				t.Errorf("want the refusal page and no session:\n%s", body)
			}
		})
		t.Run("a disabled login is refused with the plain page", func(t *testing.T) {
			l := f.logins["child@example.test"]
			l.Status = fieldportal.LoginDisabled
			if err := db.UpdateLoginAccess(context.Background(), f.sys, l); err != nil {
				t.Fatal(err)
			}
			b := f.browser()
			res, body := b.ssoSignIn(p, "child@example.test", "chris")
			wantStatus(t, "disabled login's callback", res, body, http.StatusForbidden)
			if strings.Contains(body, "disabled") {
				t.Errorf("the refusal tells why:\n%s", body)
			}
		})
		t.Run("too many company lookups from one address get nothing", func(t *testing.T) {
			stopClock(t)
			b := f.browser()
			for i := range fieldportal.SSOLookupFree + 1 {
				res, body := b.get("/sso/company?email=" + url.QueryEscape(fmt.Sprintf("x%d@example.test", i)))
				if res.StatusCode == http.StatusOK {
					continue
				}
				if res.StatusCode != http.StatusTooManyRequests || strings.TrimSpace(body) != `{"company":""}` || i < fieldportal.SSOLookupFree-10 {
					t.Errorf("lookup %d = %d %q, want 429 naming no company, past the free lookups", i+1, res.StatusCode, body)
				}
				// The form then checks the password as for any address.
				res, body = b.post("/login", url.Values{"username": {"parent@example.test"}, "password": {"wrong"}})
				if strings.Contains(body, `id="sso-note"`) || !strings.Contains(body, `name="password"`) {
					t.Errorf("the form past the lookups = %d:\n%s", res.StatusCode, body)
				}
				return
			}
			t.Errorf("%d lookups from one address all answered", fieldportal.SSOLookupFree+1)
		})
		t.Run("too many starts from one address get the sign-in page and a wait", func(t *testing.T) {
			stopClock(t)
			b := f.browser()
			for i := range fieldportal.SSOStartFree + 1 {
				res, body := b.get("/sso/start?email=parent%40example.test")
				if res.StatusCode == http.StatusSeeOther {
					continue
				}
				wantStatus(t, "a start past the limit", res, body, http.StatusTooManyRequests)
				if i < fieldportal.SSOStartFree-4 || !strings.Contains(body, "Too many attempts") || !strings.Contains(body, `name="username"`) {
					t.Errorf("start %d: want the sign-in page saying to wait, past the free starts:\n%s", i+1, body)
				}
				return
			}
			t.Errorf("%d starts from one address all went to the provider", fieldportal.SSOStartFree+1)
		})
	})
}

// TestSSOInvitation: a contact of a company that signs its people in
// sets up its invitation (its login becomes active) but gets no session
// from the link and its new password: it is sent to sign in through its
// company, and that works.
func TestSSOInvitation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		p := f.mustSSO()
		ctx := context.Background()
		c := &fieldportal.Contact{FirstName: "Pat", LastName: "Parent", Email: "new@example.test", CustomerID: f.cust["parent"].ID}
		if err := db.CreateContact(ctx, f.sys, c); err != nil {
			t.Fatal(err)
		}
		if _, err := f.acc.GrantPortalAccess(ctx, f.sys, c.ID, fieldportal.AccessGrant{Username: c.Email, Pages: fieldportal.AllModules,
			SiteAccess: fieldportal.SiteAccessAll}); err != nil {
			t.Fatal(err)
		}
		_, mail, _ := f.outboxMail("invite")
		b := f.browser()
		t.Run("the setup sends the contact to its company's sign-in", func(t *testing.T) {
			res, body := b.post(linkIn(t, mail, "setup"), url.Values{"first_name": {"Pat"}, "last_name": {"Parent"}, "username": {"new@example.test"},
				"password": {"Chosen-Pass-123"}, "confirm": {"Chosen-Pass-123"}})
			wantRedirect(t, "setup", res, "/login?done=company")
			if b.session() != "" {
				t.Errorf("the setup link started a session:\n%s", body)
			}
			res, body = b.get("/login?done=company")
			wantStatus(t, "sign-in page", res, body, http.StatusOK)
			if !strings.Contains(body, "Your company signs you in") {
				t.Errorf("the sign-in page does not say so:\n%s", body)
			}
		})
		t.Run("then the company's sign-in lets it in", func(t *testing.T) {
			q := ssotest.User{Username: "new", Password: "at-the-provider", Email: "new@example.test", EmailVerified: true}
			p.AddUser(q)
			res, _ := b.ssoSignIn(p, "new@example.test", "new")
			wantRedirect(t, "callback", res, "/sites")
		})
	})
}

func TestSSOConsoleSection(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		p := ssotest.Start(t, "portal", ssoSecret, "http://portal.test/sso/callback")
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		page := "/console/customers/" + f.cust["parent"].ID
		t.Run("an admin sets it up and the secret is never shown", func(t *testing.T) {
			res, body := admin.post(page+"/sso", url.Values{"issuer": {p.Issuer}, "client_id": {"portal"}, "client_secret": {ssoSecret},
				"domains": {"Example.test\nharbour.test"}, "enabled": {"on"}})
			wantRedirect(t, "save", res, page+"?done=sso#sso")
			res, body = admin.get(page)
			wantStatus(t, "customer page", res, body, http.StatusOK)
			for _, want := range []string{"Single sign-on", p.Issuer, "example.test", "harbour.test", "Set (never shown)", "http://portal.test/sso/callback"} {
				if !strings.Contains(body, want) {
					t.Errorf("the customer page lacks %q", want)
				}
			}
			_, form := admin.get(page + "/sso")
			if strings.Contains(body+form, ssoSecret) {
				t.Error("the secret is shown")
			}
		})
		t.Run("a wrong issuer keeps what was typed and names the field", func(t *testing.T) {
			res, body := admin.post(page+"/sso", url.Values{"issuer": {p.Issuer + "/wrong"}, "client_id": {"typed-id"}, "domains": {"example.test"}})
			wantStatus(t, "save", res, body, http.StatusBadRequest)
			for _, want := range []string{"Issuer URL: the provider&#39;s discovery document", `value="typed-id"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the form lacks %q:\n%s", want, body)
				}
			}
		})
		t.Run("staff who are not admins see no section and cannot save", func(t *testing.T) {
			desk := f.browser()
			desk.consoleLogin("desk@example.test")
			_, body := desk.get(page)
			if strings.Contains(body, `id="sso"`) {
				t.Error("a staff user sees the single sign-on section")
			}
			res, body := desk.post(page+"/sso", url.Values{"issuer": {p.Issuer}, "client_id": {"x"}, "domains": {"x.test"}})
			wantStatus(t, "staff save", res, body, http.StatusForbidden)
		})
	})
}
