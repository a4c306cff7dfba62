package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// addStaff creates a console account.
func (f *fixture) addStaff(email string, role fieldportal.StaffRole) *fieldportal.StaffUser {
	f.t.Helper()
	h, _ := auth.TestHasher().Hash(testPassword)
	u := &fieldportal.StaffUser{Email: email, Name: "Staff " + string(role), Role: role, PasswordHash: h}
	if err := f.db.CreateStaffUser(context.Background(), f.sys, u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// consoleLogin signs a browser into the console.
func (b *browser) consoleLogin(email string) {
	b.t.Helper()
	res, body := b.post("/console/login", url.Values{"email": {email}, "password": {testPassword}})
	wantRedirect(b.t, "console login", res, "/console")
	_ = body
}

func TestConsoleSignIn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)

		t.Run("unauthenticated pages go to the console sign-in", func(t *testing.T) {
			res, _ := f.browser().get("/console/contacts")
			wantRedirect(t, "GET /console/contacts", res, "/console/login?next=%2Fconsole%2Fcontacts")
		})
		t.Run("a wrong password and an unknown email get the same answer", func(t *testing.T) {
			b := f.browser()
			r1, body1 := b.post("/console/login", url.Values{"email": {"admin@example.test"}, "password": {"Nope-nope-1"}})
			r2, body2 := b.post("/console/login", url.Values{"email": {"ghost@example.test"}, "password": {"Nope-nope-1"}})
			wantStatus(t, "wrong password", r1, body1, http.StatusUnauthorized)
			wantStatus(t, "unknown email", r2, body2, http.StatusUnauthorized)
			if !strings.Contains(body1, "Wrong email address or password.") || strings.ReplaceAll(body1, "admin@", "") != strings.ReplaceAll(body2, "ghost@", "") {
				t.Error("the answers differ")
			}
		})
		t.Run("a contact's portal session does not open the console", func(t *testing.T) {
			b := f.browser()
			b.login("parent@example.test", testPassword)
			res, _ := b.get("/console")
			if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/console/login") {
				t.Errorf("GET /console with a portal session = %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			// Nor does its token work as a console cookie.
			u, _ := url.Parse(f.srv.URL)
			b.jar.SetCookies(u, []*http.Cookie{{Name: consoleCookie, Value: b.session(), Path: "/console"}})
			res, _ = b.get("/console")
			if res.StatusCode != http.StatusFound {
				t.Errorf("portal token as console cookie = %d", res.StatusCode)
			}
		})
		t.Run("staff sign in, and out", func(t *testing.T) {
			b := f.browser()
			b.consoleLogin("ADMIN@example.test")
			res, body := b.get("/console")
			wantStatus(t, "console home", res, body, http.StatusOK)
			res, _ = b.post("/console/logout", nil)
			wantRedirect(t, "logout", res, "/console/login?done=logout")
			res, _ = b.get("/console")
			if res.StatusCode != http.StatusFound {
				t.Errorf("after logout /console = %d", res.StatusCode)
			}
		})
	})
}

func TestConsoleAccess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		staff := f.browser()
		staff.consoleLogin("admin@example.test")
		newContact := func(first, email string) *fieldportal.Contact {
			c := &fieldportal.Contact{FirstName: first, LastName: "Jones", Email: email, CustomerID: f.cust["parent"].ID}
			if err := db.CreateContact(ctx, f.sys, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		access := func(c *fieldportal.Contact, form url.Values) (*http.Response, string) {
			return staff.post("/console/contacts/"+c.ID+"/access", form)
		}
		t.Run("the contacts list: one row a contact, with its access as a badge", func(t *testing.T) {
			c := newContact(`<b>Zed</b>`, "zed+list@example.test")
			res, body := staff.get("/console/contacts?q=" + url.QueryEscape("zed+list"))
			wantStatus(t, "contacts search", res, body, http.StatusOK)
			for _, want := range []string{
				`<caption class="visually-hidden">Contacts matching “zed&#43;list”</caption>`,
				`<th scope="row" data-label="Name"><a href="/console/contacts/` + c.ID + `">&lt;b&gt;Zed&lt;/b&gt; Jones</a></th>`,
				`<td data-label="Email">zed&#43;list@example.test</td>`,
				`<td data-label="Portal access"><span class="badge badge-neutral">No login</span></td>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the list lacks %s:\n%s", want, body)
				}
			}
		})

		t.Run("send portal access mails a setup link; re-sending voids it", func(t *testing.T) {
			c := newContact("Ivy", "ivy@example.test")
			res, body := access(c, url.Values{"action": {"create"}, "username": {"ivy@example.test"}, "pages": {"dashboard", "sites"}, "site_access": {"all"}, "method": {"invite"}})
			wantRedirect(t, "send access", res, "/console/contacts/"+c.ID+"?done=sent")
			_ = body
			to, mail, _ := f.outboxMail("invite")
			first := linkIn(t, mail, "setup")
			if to != "ivy@example.test" {
				t.Errorf("mail went to %s", to)
			}
			res, body = staff.get("/console/contacts/" + c.ID)
			if !strings.Contains(body, `id="login-status">Invited<`) {
				t.Errorf("status not Invited:\n%s", body)
			}
			res, _ = access(c, url.Values{"action": {"resend"}})
			wantRedirect(t, "resend", res, "/console/contacts/"+c.ID+"?done=resent")
			_, mail, n := f.outboxMail("invite")
			second := linkIn(t, mail, "setup")
			if n != 2 || second == first {
				t.Fatalf("re-send: %d mails, same link %v", n, second == first)
			}
			res, body = f.browser().get(first)
			if res.StatusCode == http.StatusOK && strings.Contains(body, `id="setup"`) {
				t.Error("the first link still opens the setup form")
			}
			res, body = f.browser().get(second)
			wantStatus(t, "new link", res, body, http.StatusOK)
			// The mail log shows the mail, escaped.
			res, body = staff.get("/console/mail")
			if !strings.Contains(body, "ivy@example.test") || !strings.Contains(body, "/setup/") {
				t.Error("the mail log lacks the invitation")
			}
		})
		t.Run("an initial password must be changed at first login", func(t *testing.T) {
			c := newContact("Max", "max@example.test")
			res, body := access(c, url.Values{"action": {"create"}, "username": {"max"}, "pages": {"dashboard", "sites"}, "site_access": {"all"}, "method": {"password"}, "password": {"short"}})
			wantStatus(t, "weak initial password", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "at least 10 characters") || !strings.Contains(body, `value="max"`) {
				t.Errorf("the form lost what was typed or does not name the rule:\n%s", body)
			}
			res, _ = access(c, url.Values{"action": {"create"}, "username": {"max"}, "pages": {"dashboard", "sites"}, "site_access": {"all"}, "method": {"password"}, "password": {"Initial-pass-9"}})
			wantRedirect(t, "create with password", res, "/console/contacts/"+c.ID+"?done=created")
			b := f.browser()
			b.login("max", "Initial-pass-9")
			res, _ = b.get("/sites")
			wantRedirect(t, "first page after an initial password", res, "/password")
		})
		t.Run("narrowing access or revoking it signs the contact out", func(t *testing.T) {
			b := f.browser()
			b.login("child@example.test", testPassword)
			contact := f.logins["child@example.test"].ContactID
			res, _ := staff.post("/console/contacts/"+contact+"/access", url.Values{"action": {"save"}, "username": {"child@example.test"}, "pages": {"dashboard"}, "site_access": {"all"}})
			wantRedirect(t, "save narrower access", res, "/console/contacts/"+contact+"?done=saved")
			res, _ = b.get("/")
			if res.StatusCode != http.StatusFound {
				t.Errorf("after narrowing, the old session still opens pages (%d)", res.StatusCode)
			}
			b.login("child@example.test", testPassword)
			res, _ = b.get("/sites")
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("the sites page without the page access = %d, want 404", res.StatusCode)
			}
			res, _ = staff.post("/console/contacts/"+contact+"/access", url.Values{"action": {"disable"}})
			wantRedirect(t, "revoke", res, "/console/contacts/"+contact+"?done=disabled")
			res, _ = b.get("/")
			if res.StatusCode != http.StatusFound {
				t.Errorf("after revoking, the session still opens pages (%d)", res.StatusCode)
			}
			res, body := f.browser().post("/login", url.Values{"username": {"child@example.test"}, "password": {testPassword}})
			if res.StatusCode == http.StatusSeeOther {
				t.Errorf("a revoked login signs in:\n%s", body)
			}
		})
		t.Run("assigned access needs a site", func(t *testing.T) {
			c := newContact("Ada", "ada@example.test")
			res, body := access(c, url.Values{"action": {"create"}, "username": {"ada@example.test"}, "pages": {"sites"}, "site_access": {"assigned"}, "method": {"invite"}})
			wantStatus(t, "assigned without sites", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "Choose at least one site") {
				t.Error("no message about the sites")
			}
		})
		t.Run("a contact of another organisation is not found", func(t *testing.T) {
			other := mustOrg(t, db, "Other", "other.test")
			sysB := fieldportal.SystemViewer(other.ID, "test")
			cu := &fieldportal.Customer{Name: "B"}
			db.CreateCustomer(ctx, sysB, cu)
			c := &fieldportal.Contact{FirstName: "Bob", CustomerID: cu.ID}
			if err := db.CreateContact(ctx, sysB, c); err != nil {
				t.Fatal(err)
			}
			res, _ := staff.get("/console/contacts/" + c.ID)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET another organisation's contact = %d", res.StatusCode)
			}
			res, _ = access(c, url.Values{"action": {"disable"}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("POST to another organisation's contact = %d", res.StatusCode)
			}
		})
	})
}

func TestConsoleSettings(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		f.addStaff("clerk@example.test", fieldportal.RoleStaff)
		clerk := f.browser()
		clerk.consoleLogin("clerk@example.test")
		if res, _ := clerk.get("/console/settings"); res.StatusCode != http.StatusForbidden {
			t.Errorf("staff role GET settings = %d, want 403", res.StatusCode)
		}
		if res, _ := clerk.post("/console/settings", url.Values{"modules": {"dashboard"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("staff role POST settings = %d, want 403", res.StatusCode)
		}
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		res, body := admin.post("/console/settings", url.Values{"modules": {"dashboard", "sites"}, "password_policy.min_length": {"six"}})
		wantStatus(t, "bad min length", res, body, http.StatusBadRequest)
		if !strings.Contains(body, "must be a whole number") {
			t.Error("no message naming the length")
		}
		res, _ = admin.post("/console/settings", url.Values{"modules": {"dashboard", "sites", "documents"}, "default_pages": {"dashboard"},
			"hidden_actions": {"create_site"}, "password_policy.min_length": {"12"}, "rules": {"require_digit"}})
		wantRedirect(t, "save settings", res, "/console/settings?done=saved")
		st, err := db.FindSettings(context.Background(), f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.PasswordPolicy.MinLength != 12 || !st.PasswordPolicy.RequireDigit || st.PasswordPolicy.RequireUpper || len(st.Modules) != 3 || len(st.HiddenActions) != 1 {
			t.Errorf("saved settings: %+v", st)
		}
		// The portal follows at once: a module switched off leaves the nav.
		withPagesReady(t, fieldportal.ModuleInvoices)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		_, body = b.get("/")
		if strings.Contains(body, `href="/invoices"`) || !strings.Contains(body, `href="/sites"`) {
			t.Error("the navigation does not follow the organisation's modules")
		}
	})
}

func TestPreferences(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		res, body := b.post("/preferences", url.Values{"first_name": {"<script>alert(1)</script>"}, "last_name": {"Parent"}, "phone": {"call me"}})
		wantStatus(t, "bad phone", res, body, http.StatusBadRequest)
		if !strings.Contains(body, "&lt;script&gt;") || strings.Contains(body, "<script>alert") {
			t.Error("typed text is not kept escaped")
		}
		res, _ = b.post("/preferences", url.Values{"first_name": {"Patricia"}, "last_name": {"Parent"}, "phone": {"0117 496 0000"}})
		wantRedirect(t, "save", res, "/preferences?done=saved")
		_, body = b.get("/preferences?done=saved")
		if !strings.Contains(body, `value="Patricia"`) || !strings.Contains(body, "Your details have been saved.") {
			t.Errorf("the saved name is not shown:\n%s", body)
		}
	})
}

// TestConsoleContactManySites: a customer with more sites than the form
// offers gets a search for sites to assign, and the page stays small.
func TestConsoleContactManySites(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	f.addStaff("admin@example.test", fieldportal.RoleAdmin)
	for i := range fieldportal.SitesOffered + 10 {
		f.addSite("", fmt.Sprintf("Unit %03d", i), "solo", "M1 1AA")
	}
	c := &fieldportal.Contact{FirstName: "Sol", Email: "sol@example.test", CustomerID: f.cust["solo"].ID}
	if err := db.CreateContact(t.Context(), f.sys, c); err != nil {
		t.Fatal(err)
	}
	admin := f.browser()
	admin.consoleLogin("admin@example.test")
	res, body := admin.get("/console/contacts/" + c.ID)
	wantStatus(t, "contact page", res, body, http.StatusOK)
	if !strings.Contains(body, `id="site_q"`) || strings.Count(body, `name="sites"`) != fieldportal.SitesOffered {
		t.Errorf("the page offers %d sites and a search: %v", strings.Count(body, `name="sites"`), strings.Contains(body, `id="site_q"`))
	}
	_, body = admin.get("/console/contacts/" + c.ID + "?site_q=Unit+105")
	if n := strings.Count(body, `name="sites"`); n != 1 || !strings.Contains(body, "Unit 105") {
		t.Errorf("a search for one site offers %d", n)
	}
	_, body = admin.get("/console/contacts/" + c.ID + "?site_q=Nowhere")
	if !strings.Contains(body, "No other sites match “Nowhere”") {
		t.Error("a search that finds nothing does not say so")
	}
}
