package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestIssue18BadInput asks issue 18's pages for what a user may mistype
// or tamper with: each answers a client error (never a 500) and shows no
// internal error text.
func TestIssue18BadInput(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		parent := f.browser()
		parent.login("parent@example.test", testPassword)
		for _, path := range []string{
			"/assets?after=garbage", "/assets?sort=site&after=garbage", "/assets?due=soon", "/assets?site=nope",
			"/assets.csv?due=soon", "/assets/nope", "/assets/nope/label.pdf", "/assets/labels.pdf?site=nope",
			"/documents?after=garbage", "/documents?type=movie", "/documents?sort=size", "/documents?attached=spaceship", "/documents.csv?type=movie",
			"/documents/nope/download", "/certificates/nope/download",
			"/certificates?status=bad", "/certificates?after=garbage", "/certificates.csv?status=bad",
			"/diary?from=2026-13-01", "/diary?from=2026-03-10&to=2026-03-01", "/diary?range=week", "/diary?after=garbage",
			"/diary.csv?from=x", "/calendar/nope.ics", "/calendar/nope",
			"/tasks?due=soon", "/tasks?status=x", "/tasks?after=garbage", "/tasks.csv?due=soon",
			"/reports/ppm?year=abc", "/reports/ppm?year=99999999999999999999", "/reports/ppm?site=nope", "/reports/ppm.csv", "/reports/ppm.pdf?site=nope",
			"/reports/ppm?site=nope&week=99&type=x", "/reports/defects?after=garbage", "/reports/defects?site=nope", "/reports/defects.csv?site=nope",
			"/reports/tests?from=bad", "/reports/tests?result=maybe", "/reports/tests?after=garbage", "/reports/tests.csv?to=bad",
			"/reports/tests.pdf?from=2026-02-01&to=2026-01-01",
		} {
			t.Run(path, func(t *testing.T) {
				res, body := parent.get(path)
				if res.StatusCode >= http.StatusInternalServerError || res.StatusCode < http.StatusBadRequest {
					t.Errorf("%s = %d, want a client error", path, res.StatusCode)
				}
				for _, leak := range []string{"sqlstore", "sql:", "SQL", "strconv", "parsing time"} {
					if strings.Contains(body, leak) {
						t.Errorf("%s shows internal text %q", path, leak)
					}
				}
			})
		}
	})
}
