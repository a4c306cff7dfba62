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

// Regression tests of the correctness review of the split.

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
