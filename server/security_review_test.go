package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Regression tests, over HTTP, for the findings of the security review
// of the split into kit, portal, console, api and server (S1... in the
// commit messages).

// TestReviewResetEndsTheBrowsersSession is S2: the store's CompleteReset
// ends the session the browser holds, whoever's it is (someone else's,
// on a shared computer), but the reset page never passed it the cookie:
// the cookie was cleared in the browser while its session stayed live on
// the server, usable by whoever had copied the token.
func TestReviewResetEndsTheBrowsersSession(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("child@example.test", testPassword)
		token := b.session()
		if token == "" {
			t.Fatal("no session cookie after signing in")
		}
		res, body := f.browser().post("/forgot", url.Values{"email": {"parent@example.test"}})
		wantStatus(t, "forgot", res, body, http.StatusOK)
		_, mail, _ := f.outboxMail("reset")
		link := linkIn(t, mail, "reset")

		const newPassword = "Sprinkler-Test-77"
		res, _ = b.post(link, url.Values{"password": {newPassword}, "confirm": {newPassword}})
		wantRedirect(t, "reset", res, "/login?done=reset")

		b.setSession(token)
		res, _ = b.get("/")
		wantRedirect(t, "the browser's session from before the reset", res, "/login?next=%2F")
	})
}

// TestReviewInvalidTextInAddresses is S4: forms refuse bytes that are
// not UTF-8, but addresses did not. On PostgreSQL an id such as %ff in a
// path reached the database, which refused it: a 500 and an error in the
// log for every such request, where there is simply no such page (a 404,
// SPEC §2.5). A query string with such bytes is refused like a form.
func TestReviewInvalidTextInAddresses(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		contact := f.browser()
		contact.login("parent@example.test", testPassword)
		staff := f.browser()
		staff.consoleLogin("admin@example.test")
		for _, tc := range []struct {
			b      *browser
			path   string
			status int
		}{
			{contact, "/sites/%ff", http.StatusNotFound},
			{contact, "/documents/%ff/download", http.StatusNotFound},
			{contact, "/sites?q=%ff", http.StatusBadRequest},
			{contact, "/sites.csv?q=ok&q=%c3", http.StatusBadRequest},
			{staff, "/console/contacts/%ff", http.StatusNotFound},
			{staff, "/console/contacts/%ff/revoke", http.StatusNotFound},
			{staff, "/console/contacts?q=%ff", http.StatusBadRequest},
		} {
			res, body := tc.b.get(tc.path)
			wantStatus(t, "GET "+tc.path, res, body, tc.status)
			if strings.Contains(body, "\xff") || strings.Contains(body, "\xc3") {
				t.Errorf("GET %s echoes the invalid bytes", tc.path)
			}
			if tc.status == http.StatusBadRequest && !strings.Contains(body, "&#34;q&#34;") {
				t.Errorf("GET %s: the answer does not name the parameter:\n%s", tc.path, body)
			}
		}
		res, body := contact.get("/sites?q=Dock")
		wantStatus(t, "a valid search", res, body, http.StatusOK)
	})
}
