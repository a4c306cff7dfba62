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

// A reset link completed in a browser signed in as someone else ends that
// browser's session on the server too, not only its cookie: the reset
// service ends "the browser's own session, of whatever login", which it
// can do only if the page passes the session token on.
func TestResetEndsTheBrowsersOwnSession(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	b := f.browser()
	b.login("child@example.test", testPassword)
	child := b.session()
	if child == "" {
		t.Fatal("no session cookie after signing in")
	}
	res, body := f.browser().post("/forgot", url.Values{"email": {"parent@example.test"}})
	wantStatus(t, "forgot", res, body, http.StatusOK)
	_, mail, _ := f.outboxMail("reset")
	link := linkIn(t, mail, "reset")

	const newPassword = "Sprinkler-Test-77"
	res, _ = b.post(link, url.Values{"password": {newPassword}, "confirm": {newPassword}})
	wantRedirect(t, "reset", res, "/login?done=reset")

	// The cookie was cleared; the session it named must be over as well.
	b.setSession(child)
	res, _ = b.get("/")
	wantRedirect(t, "the child's session after a reset in its browser", res, "/login?next=%2F")
}

// A contact whose password was set by someone else is sent straight to
// the change-password page by the sign-in (the service's SignedIn.Next),
// not to the page it asked for and only then on.
func TestSignInGoesToTheForcedPasswordChange(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	f.addLogin("parent", "Mo", "Change", "mo@example.test", fieldportal.LoginActive, "Initial-Pass-1", true, fieldportal.AllModules)
	res, body := f.browser().post("/login", url.Values{"username": {"mo@example.test"}, "password": {"Initial-Pass-1"}, "next": {"/sites"}})
	wantStatus(t, "login", res, body, http.StatusSeeOther)
	wantRedirect(t, "login with a password to change", res, "/password")
}

// Invalid UTF-8 in a query string (a list's filter form is a form too) is
// refused naming the parameter, as in posted forms, not echoed back into
// the search box and the "no match" text.
func TestInvalidUTF8InTheQueryIsRefused(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	f.addStaff("admin@example.test", fieldportal.RoleAdmin)
	b := f.browser()
	b.login("parent@example.test", testPassword)
	admin := f.browser()
	admin.consoleLogin("admin@example.test")
	for _, tc := range []struct {
		b    *browser
		path string
	}{{b, "/sites?q=Dock%ff"}, {b, "/sites.csv?q=%ff"}, {admin, "/console/contacts?q=Pat%c3"}} {
		res, body := tc.b.get(tc.path)
		wantStatus(t, "GET "+tc.path, res, body, http.StatusBadRequest)
		if !strings.Contains(body, "&#34;q&#34;") || strings.Contains(body, "\xff") || strings.Contains(body, "\xc3<") {
			t.Errorf("%s: the answer does not name the parameter, or echoes the bytes:\n%s", tc.path, body)
		}
	}
	res, body := b.get("/sites?q=Dock")
	wantStatus(t, "a valid search", res, body, http.StatusOK)
}

// The console's sign-in names its empty fields, next to each, as the
// portal's does (both now take the messages from the sign-in service).
func TestConsoleLoginNamesEmptyFields(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	res, body := f.browser().post("/console/login", url.Values{"email": {""}, "password": {""}})
	wantStatus(t, "empty console login", res, body, http.StatusBadRequest)
	for _, want := range []string{`id="email-error"`, "Enter your email address.", `id="password-error"`, "Enter your password."} {
		if !strings.Contains(body, want) {
			t.Errorf("empty console login lacks %s", want)
		}
	}
}
