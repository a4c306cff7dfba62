package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// managerPages are the manager's own pages: every one but the reports,
// so a grant of the reports is beyond what it has.
var managerPages = slices.DeleteFunc(slices.Clone(fieldportal.AllModules), func(m fieldportal.Module) bool {
	return m == fieldportal.ModuleReports
})

// mustManager adds a contact at the parent customer who manages contacts
// (every page but the reports, all sites) and returns its signed-in browser.
func (f *fixture) mustManager() (*fieldportal.Contact, *browser) {
	f.t.Helper()
	ctx := context.Background()
	c := &fieldportal.Contact{FirstName: "Mia", LastName: "Manager", Email: "mia@example.test", CustomerID: f.cust["parent"].ID}
	if err := f.db.CreateContact(ctx, f.sys, c); err != nil {
		f.t.Fatal(err)
	}
	h, err := auth.TestHasher().Hash(testPassword)
	if err != nil {
		f.t.Fatal(err)
	}
	l := &fieldportal.PortalLogin{ContactID: c.ID, Username: c.Email, Status: fieldportal.LoginActive, PasswordHash: h,
		Pages: managerPages, SiteAccess: fieldportal.SiteAccessAll, MayManageContacts: true}
	if err := f.db.CreatePortalLogin(ctx, f.sys, l); err != nil {
		f.t.Fatal(err)
	}
	b := f.browser()
	b.login(c.Email, testPassword)
	return c, b
}

// auditActions lists the actions of the audit entries of a contact.
func (f *fixture) auditActions(contactID string) []string {
	f.t.Helper()
	entries, _, err := f.db.FindAuditLog(context.Background(), f.sys, fieldportal.AuditFilter{Entity: "contact", EntityID: contactID})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	slices.Sort(out)
	return out
}

// contactIDOf finds the contact of an email address.
func (f *fixture) contactIDOf(email string) string {
	f.t.Helper()
	var id string
	if err := f.db.SQL().QueryRowContext(context.Background(), `SELECT id FROM contacts WHERE org_id = $1 AND email = $2`, f.org.ID, email).Scan(&id); err != nil {
		f.t.Fatalf("contact %s: %v", email, err)
	}
	return id
}

// newContactForm is a new contact at the child customer with Login
// active, the Invoices page and the dock site.
func (f *fixture) newContactForm(email string) url.Values {
	return url.Values{"customer_id": {f.cust["child"].ID}, "first_name": {"Nina"}, "last_name": {"New"}, "email": {email},
		"phone": {"0117 496 0000"}, "roles": {"invoice"}, "login": {"invite"}, "pages": {"invoices"},
		"site_access": {"assigned"}, "sites": {f.site["dock"].ID}}
}

func TestPortalContacts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		me, mgr := f.mustManager()
		solo := &fieldportal.Contact{FirstName: "Sol", LastName: "Other", Email: "sol@example.test", CustomerID: f.cust["solo"].ID}
		if err := db.CreateContact(ctx, f.sys, solo); err != nil {
			t.Fatal(err)
		}

		t.Run("the list holds the contacts of every customer reached, and no other", func(t *testing.T) {
			res, body := mgr.get("/preferences/contacts")
			wantStatus(t, "the list", res, body, http.StatusOK)
			for _, want := range []string{"Pat Parent", "Chris Child", "Harbour Dock", "Mia Manager"} {
				if !strings.Contains(body, want) {
					t.Errorf("the list lacks %q", want)
				}
			}
			if strings.Contains(body, "Sol Other") {
				t.Error("the list shows a contact of a customer out of reach")
			}
			_, body = mgr.get("/preferences/contacts?q=chris")
			if !strings.Contains(body, "Chris Child") || strings.Contains(body, "Pat Parent") {
				t.Error("the search by name does not select")
			}
			_, body = mgr.get("/preferences")
			if !strings.Contains(body, `href="/preferences/contacts"`) {
				t.Error("preferences do not link to the contacts")
			}
		})

		t.Run("without the right, or with the action hidden, there is no such page", func(t *testing.T) {
			child := f.browser()
			child.login("child@example.test", testPassword)
			res, body := child.get("/preferences/contacts")
			wantStatus(t, "a contact who may not manage", res, body, http.StatusNotFound)
			if _, body := child.get("/preferences"); strings.Contains(body, `href="/preferences/contacts"`) {
				t.Error("preferences link to the contacts for a contact who may not manage")
			}
			st, _ := db.FindSettings(ctx, f.org.ID)
			st.HiddenActions = []fieldportal.Action{fieldportal.ActionManageContacts}
			if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
				t.Fatal(err)
			}
			res, body = mgr.get("/preferences/contacts")
			st.HiddenActions = nil
			if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, "the list with the action hidden", res, body, http.StatusNotFound)
		})

		t.Run("the manager's own contact is changed on its preferences", func(t *testing.T) {
			res, body := mgr.get("/preferences/contacts/" + me.ID)
			wantStatus(t, "its own page", res, body, http.StatusOK)
			if !strings.Contains(body, "This is you") || strings.Contains(body, `id="access-form"`) {
				t.Error("the manager's own page offers its details or access")
			}
			for _, action := range []string{"details", "disable", "password"} {
				res, body = mgr.post("/preferences/contacts/"+me.ID, url.Values{"action": {action}, "first_name": {"Mo"}, "password": {"Own-Chosen-Pass-9"}})
				wantStatus(t, action+" of itself", res, body, http.StatusBadRequest)
			}
			if l, _ := db.FindLoginByContact(ctx, f.sys, me.ID); l.Status != fieldportal.LoginActive || l.MustChangePassword {
				t.Errorf("the manager's login changed: %+v", l)
			}
		})

		t.Run("a contact out of reach is not found", func(t *testing.T) {
			res, body := mgr.get("/preferences/contacts/" + solo.ID)
			wantStatus(t, "another customer's contact", res, body, http.StatusNotFound)
			res, body = mgr.post("/preferences/contacts/"+solo.ID, url.Values{"action": {"details"}, "first_name": {"Hacked"}})
			wantStatus(t, "editing another customer's contact", res, body, http.StatusNotFound)
			form := f.newContactForm("x@example.test")
			form.Set("customer_id", f.cust["solo"].ID)
			form.Set("login", "")
			res, body = mgr.post("/preferences/contacts/new", form)
			wantStatus(t, "a contact made at another customer", res, body, http.StatusBadRequest)
			if c, _ := db.FindContactByID(ctx, f.sys, solo.ID); c.FirstName != "Sol" {
				t.Errorf("the contact out of reach changed: %+v", c)
			}
		})

		t.Run("a new contact with Login active gets the setup mail and only the access given", func(t *testing.T) {
			res, body := mgr.get("/preferences/contacts/new")
			wantStatus(t, "the new-contact form", res, body, http.StatusOK)
			if strings.Contains(body, `value="reports"`) {
				t.Error("the form offers a page the manager lacks")
			}
			res, body = mgr.post("/preferences/contacts/new", f.newContactForm("nina@example.test"))
			id := f.contactIDOf("nina@example.test")
			wantRedirect(t, "the new contact", res, "/preferences/contacts/"+id+"?done=sent")
			to, mail, n := f.outboxMail("invite")
			if n != 1 || to != "nina@example.test" {
				t.Fatalf("invitations: %d, the last to %q", n, to)
			}
			linkIn(t, mail, "setup")
			l, err := db.FindLoginByContact(ctx, f.sys, id)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{string(l.Status), l.Pages.String(), string(l.SiteAccess), strings.Join(l.SiteIDs, ",")}
			if diff := cmp.Diff([]string{"invited", "invoices", "assigned", f.site["dock"].ID}, got); diff != "" {
				t.Errorf("the login (-want +got):\n%s", diff)
			}
			c, _ := db.FindContactByID(ctx, f.sys, id)
			if !c.CreatedInPortal || !c.InvoiceContact || c.QuoteContact || c.CustomerID != f.cust["child"].ID {
				t.Errorf("the contact: %+v", c)
			}
			if diff := cmp.Diff([]string{"contact.created", "login.created"}, f.auditActions(id)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
			_, body = mgr.get("/preferences/contacts/" + id + "?done=sent")
			if !strings.Contains(body, "setup email has been sent") || !strings.Contains(body, "Re-send setup email") {
				t.Error("the contact's page does not show the invitation")
			}
		})

		t.Run("details are edited, and audited once", func(t *testing.T) {
			id := f.contactIDOf("nina@example.test")
			before := len(f.auditActions(id))
			res, _ := mgr.post("/preferences/contacts/"+id, url.Values{"action": {"details"}, "first_name": {"Nina"},
				"last_name": {"Newer"}, "email": {"nina@example.test"}, "position": {"Accounts"}, "roles": {"invoice", "statement"}, "primary": {"on"}})
			wantRedirect(t, "saving details", res, "/preferences/contacts/"+id+"?done=saved")
			c, _ := db.FindContactByID(ctx, f.sys, id)
			if c.LastName != "Newer" || c.Position != "Accounts" || !c.StatementContact || !c.Primary {
				t.Errorf("the contact: %+v", c)
			}
			if got := f.auditActions(id); len(got) != before+1 || !slices.Contains(got, "contact.updated") {
				t.Errorf("audit after an edit: %v", got)
			}
		})

		t.Run("access is saved, the setup mail re-sent, and access disabled", func(t *testing.T) {
			id := f.contactIDOf("nina@example.test")
			res, _ := mgr.post("/preferences/contacts/"+id, url.Values{"action": {"save"}, "pages": {"invoices", "quotes"},
				"site_access": {"all"}})
			wantRedirect(t, "saving access", res, "/preferences/contacts/"+id+"?done=access")
			res, _ = mgr.post("/preferences/contacts/"+id, url.Values{"action": {"resend"}})
			wantRedirect(t, "re-sending", res, "/preferences/contacts/"+id+"?done=resent")
			if _, _, n := f.outboxMail("invite"); n != 2 {
				t.Errorf("%d invitations after re-sending, want 2", n)
			}
			res, _ = mgr.post("/preferences/contacts/"+id, url.Values{"action": {"disable"}})
			wantRedirect(t, "disabling", res, "/preferences/contacts/"+id+"?done=disabled")
			l, _ := db.FindLoginByContact(ctx, f.sys, id)
			if l.Status != fieldportal.LoginDisabled || l.Pages.String() != "quotes,invoices" || l.SiteAccess != fieldportal.SiteAccessAll {
				t.Errorf("the login: %+v", l)
			}
		})

		t.Run("a tampered form granting more than the manager has is refused and recorded", func(t *testing.T) {
			c, _ := f.addLogin("child", "Tess", "Tamper", "tess@example.test", fieldportal.LoginActive, testPassword, false,
				[]fieldportal.Module{fieldportal.ModuleInvoices})
			for _, tc := range []struct {
				name string
				form url.Values
				msg  string
			}{
				{"a page the manager lacks", url.Values{"action": {"save"}, "pages": {"invoices", "reports"}, "site_access": {"all"}},
					"You cannot grant access to Reports"},
				{"a site out of reach", url.Values{"action": {"save"}, "pages": {"invoices"},
					"site_access": {"assigned"}, "sites": {f.site["solo"].ID}}, "a site you do not have"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := f.auditActions(c.ID)
					res, body := mgr.post("/preferences/contacts/"+c.ID, tc.form)
					wantStatus(t, "the tampered form", res, body, http.StatusForbidden)
					if !strings.Contains(html.UnescapeString(body), tc.msg) {
						t.Errorf("the page does not say %q", tc.msg)
					}
					l, _ := db.FindLoginByContact(ctx, f.sys, c.ID)
					if l.Pages.String() != "invoices" || l.SiteAccess != fieldportal.SiteAccessAll {
						t.Errorf("the login changed: %+v", l)
					}
					after := f.auditActions(c.ID)
					if len(after) != len(before)+1 || !slices.Contains(after, "access.refused") {
						t.Errorf("audit: %v then %v, want one access.refused more", before, after)
					}
				})
			}
		})

		t.Run("a manager's save keeps what the login has beyond the manager", func(t *testing.T) {
			c, _ := f.addLogin("child", "Rita", "Reports", "rita@example.test", fieldportal.LoginActive, testPassword, false,
				[]fieldportal.Module{fieldportal.ModuleInvoices, fieldportal.ModuleReports})
			res, _ := mgr.post("/preferences/contacts/"+c.ID, url.Values{"action": {"save"}, "pages": {"quotes", "invoices"}, "site_access": {"all"}})
			wantRedirect(t, "saving", res, "/preferences/contacts/"+c.ID+"?done=access")
			l, _ := db.FindLoginByContact(ctx, f.sys, c.ID)
			if l.Pages.String() != "quotes,invoices,reports" {
				t.Errorf("pages = %s, want the reports kept", l.Pages)
			}
			// Its password is not the manager's to set: it has more.
			res, body := mgr.post("/preferences/contacts/"+c.ID, url.Values{"action": {"password"}, "password": {"Manager-Set-Pass-9"}})
			wantStatus(t, "setting the password of a login with more", res, body, http.StatusForbidden)
		})

		t.Run("an initial password for a login within the manager's grants", func(t *testing.T) {
			form := f.newContactForm("ivy@example.test")
			form.Set("first_name", "Ivy")
			form.Set("login", "password")
			form.Set("password", "Tidal-Basin-Pass-7")
			res, _ := mgr.post("/preferences/contacts/new", form)
			id := f.contactIDOf("ivy@example.test")
			wantRedirect(t, "a contact with an initial password", res, "/preferences/contacts/"+id+"?done=initial")
			if got := f.auditActions(id); !slices.Contains(got, "login.initial_password") {
				t.Errorf("audit: %v", got)
			}
			b := f.browser()
			res = b.login("ivy@example.test", "Tidal-Basin-Pass-7")
			if loc := res.Header.Get("Location"); loc != "/password" && loc != "/" {
				t.Errorf("first sign-in goes to %q", loc)
			}
			if res, _ := b.get("/invoices"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/password" {
				t.Errorf("before changing the password /invoices = %d %s, want the password page", res.StatusCode, res.Header.Get("Location"))
			}
			res, _ = mgr.post("/preferences/contacts/"+id, url.Values{"action": {"password"}, "password": {"Quay-Second-Pass-8"}})
			wantRedirect(t, "a new initial password", res, "/preferences/contacts/"+id+"?done=password")
		})

		t.Run("bad input is refused naming the field, keeping what was typed", func(t *testing.T) {
			for _, tc := range []struct {
				name, field, value, msg string
			}{
				{"an email another login uses", "email", "child@example.test", "already used by another portal login"},
				{"a phone with letters", "phone", "0117 four nine six", "Enter a phone number"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					form := f.newContactForm("fresh@example.test")
					form.Set("first_name", "Typed-Name")
					form.Set(tc.field, tc.value)
					res, body := mgr.post("/preferences/contacts/new", form)
					wantStatus(t, "the form", res, body, http.StatusBadRequest)
					if !strings.Contains(body, tc.msg) {
						t.Errorf("no message %q", tc.msg)
					}
					if !regexp.MustCompile(`href="#` + tc.field + `"`).MatchString(body) {
						t.Errorf("the summary does not link the %s field", tc.field)
					}
					for _, kept := range []string{`value="Typed-Name"`, `value="` + html.EscapeString(tc.value) + `"`} {
						if !strings.Contains(body, kept) {
							t.Errorf("the form lost %s", kept)
						}
					}
				})
			}
			t.Run("on an edit too", func(t *testing.T) {
				nologin := &fieldportal.Contact{FirstName: "Noah", Email: "noah@example.test", CustomerID: f.cust["child"].ID}
				if err := db.CreateContact(ctx, f.sys, nologin); err != nil {
					t.Fatal(err)
				}
				res, body := mgr.post("/preferences/contacts/"+nologin.ID, url.Values{"action": {"details"}, "first_name": {"Noah"},
					"email": {"parent@example.test"}})
				wantStatus(t, "an edit to an email in use", res, body, http.StatusBadRequest)
				if !strings.Contains(body, "already used by another portal login") || !strings.Contains(body, `value="parent@example.test"`) {
					t.Error("the edit is not refused on the email, keeping it")
				}
			})
		})
	})
}
