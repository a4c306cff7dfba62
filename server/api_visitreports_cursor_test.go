package server

import (
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIVisitReportsForgedCursorNUL checks a forged cursor whose job id
// holds a NUL character is refused as a bad cursor (400) on both walks
// (and a customer's name in the customers' list's):
// PostgreSQL refuses a NUL in text with an error, which answered 500.
func TestAPIVisitReportsForgedCursorNUL(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "")
		c.checkResponses()
		mustReportedJob(t, db, f.org.ID, c, f.site["dock"].ID, "A")
		// The walk by job, then the walk by change (c.problem fails the
		// test itself, so no subtests).
		c.problem(400, []string{"cursor"}, "GET", "/api/v1/job-reports?cursor="+forgeCursor(`["a\u0000b"]`, false), "")
		c.problem(400, []string{"cursor"}, "GET", "/api/v1/job-reports?updated_since=2026-01-01T00:00:00Z&cursor="+
			forgeCursor(`["t:2026-01-01T00:00:00Z","a\u0000b"]`, true), "")
		// The rule is every list's: the customers' walk by name.
		c.problem(400, []string{"cursor"}, "GET", "/api/v1/customers?cursor="+forgeCursor(`["a\u0000b","c"]`, false), "")
	})
}
