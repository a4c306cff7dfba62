package server

import (
	"net/http"
	"net/url"
	"testing"

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
