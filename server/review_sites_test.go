package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/web"
)

// Regression tests for the findings of the review of issue 20's sites
// made in the portal (branch i20-sites).

// A path of three or more slashes has no host for url.Parse, but a
// browser reads "///evil.example" as the host evil.example: the site
// form's Cancel link (its return) led off the site.
func TestSafeNextManySlashes(t *testing.T) {
	for _, next := range []string{"///evil.example", "////evil.example/x", "///evil.example?site=1"} {
		t.Run(next, func(t *testing.T) {
			if got := web.SafeNext(next); got != "/" {
				t.Errorf("web.SafeNext(%q) = %q, want %q", next, got, "/")
			}
		})
	}
}

func TestSiteReturnReview(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		parent := f.browser()
		parent.login("parent@example.test", testPassword)

		t.Run("a return of many slashes is not the Cancel link", func(t *testing.T) {
			for _, back := range []string{"///evil.example/x", "////evil.example/x"} {
				res, body := parent.get("/sites/new?return=" + url.QueryEscape(back))
				wantStatus(t, "GET /sites/new", res, body, http.StatusOK)
				if strings.Contains(body, "evil.example") {
					t.Errorf("return %q is on the page:\n%s", back, body)
				}
			}
		})
	})
}
