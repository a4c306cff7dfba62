package server

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/web"
)

// Regression tests for the findings of the security review of the
// sign-in and console code.

func TestSafeNextReview(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/sites?q=a", "/sites?q=a"},
		{"/", "/"},
		{"", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/./\\evil.example", "/"},
		{"/x/../\\evil.example", "/"},
		{"https://evil.example", "/"},
		{"/sites\r\nLocation: x", "/"},
		{"/%2F/evil.example", "/%2F/evil.example"}, // stays a path on this site
	} {
		t.Run(tc.next, func(t *testing.T) {
			if got := web.SafeNext(tc.next); got != tc.want {
				t.Errorf("web.SafeNext(%q) = %q, want %q", tc.next, got, tc.want)
			}
		})
	}
}

func TestReviewRegressions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		f.addStaff("clerk@example.test", fieldportal.RoleStaff)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")

		t.Run("a revoked login is not revived by its old invitation", func(t *testing.T) {
			c, l := f.addLogin("parent", "Rex", "Revoked", "rex@example.test", fieldportal.LoginInvited, "", false, fieldportal.AllModules)
			res, _ := admin.post("/console/contacts/"+c.ID+"/access", url.Values{"action": {"resend"}})
			wantRedirect(t, "send", res, "/console/contacts/"+c.ID+"?done=resent")
			_, mail, _ := f.outboxMail("invite")
			link := linkIn(t, mail, "setup")
			res, _ = admin.post("/console/contacts/"+c.ID+"/access", url.Values{"action": {"disable"}})
			wantRedirect(t, "revoke", res, "/console/contacts/"+c.ID+"?done=disabled")
			b := f.browser()
			res, body := b.post(link, url.Values{"first_name": {"Rex"}, "username": {"rex@example.test"},
				"password": {"Revived-pass-1"}, "confirm": {"Revived-pass-1"}})
			if res.StatusCode == http.StatusSeeOther {
				t.Fatalf("the old invitation revived a revoked login")
			}
			_ = body
			got, err := db.FindLoginByID(t.Context(), f.org.ID, l.ID)
			if err != nil || got.Status != fieldportal.LoginDisabled {
				t.Errorf("login after the attempt: %v %v", got.Status, err)
			}
		})
		t.Run("only admins read mail text", func(t *testing.T) {
			clerk := f.browser()
			clerk.consoleLogin("clerk@example.test")
			_, body := clerk.get("/console/mail")
			if strings.Contains(body, "/setup/") || !strings.Contains(body, "Only an admin can read mail text") {
				t.Error("a staff user reads a setup link")
			}
			_, body = admin.get("/console/mail")
			if !strings.Contains(body, "/setup/") {
				t.Error("the admin cannot read the mail while no mail server is set")
			}
		})
		t.Run("another person's email cannot be given as a username", func(t *testing.T) {
			c := &fieldportal.Contact{FirstName: "Sly", Email: "sly@example.test", CustomerID: f.cust["solo"].ID}
			if err := db.CreateContact(t.Context(), f.sys, c); err != nil {
				t.Fatal(err)
			}
			res, body := admin.post("/console/contacts/"+c.ID+"/access", url.Values{"action": {"create"}, "username": {"parent@example.test"},
				"pages": {"sites"}, "site_access": {"all"}, "method": {"invite"}})
			wantStatus(t, "squat", res, body, http.StatusBadRequest)
		})
		t.Run("a forged page cursor is a bad request, not a fault", func(t *testing.T) {
			b := f.browser()
			b.login("parent@example.test", testPassword)
			forged := base64.RawURLEncoding.EncodeToString([]byte(`[{"a":1},"x"]`))
			res, _ := b.get("/sites?after=" + forged)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("forged cursor = %d, want 400", res.StatusCode)
			}
			res, _ = admin.get("/console/contacts?after=" + forged)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("forged console cursor = %d, want 400", res.StatusCode)
			}
		})
		t.Run("a new password voids older reset links", func(t *testing.T) {
			b := f.browser()
			res, _ := b.post("/forgot", url.Values{"email": {"child@example.test"}})
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
				t.Fatalf("forgot = %d", res.StatusCode)
			}
			_, mail, _ := f.outboxMail("reset")
			link := linkIn(t, mail, "reset")
			l := f.logins["child@example.test"]
			if err := db.SetLoginPassword(t.Context(), f.org.ID, l.ID, "new-hash", false); err != nil {
				t.Fatal(err)
			}
			res, body := b.get(link)
			if strings.Contains(body, `id="reset"`) {
				t.Errorf("the older reset link still opens (%d)", res.StatusCode)
			}
		})
	})
}
