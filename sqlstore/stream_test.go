package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// TestSiteStreamPlan checks SQLite's plan of the streamed sites list: read
// in the list's order through sites_stream, with no sort to wait for
// before the first row, for a contact (whose reach the planner would
// rather gather by customer) as for staff; and that the list's pages,
// which do not state the index's condition, never use it.
func TestSiteStreamPlan(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	contact := fieldportal.NewContactViewer("org", fieldportal.ContactGrants{LoginID: "login", ContactID: "contact",
		CustomerID: "customer", SiteAccess: fieldportal.SiteAccessAll, Pages: fieldportal.AllModules},
		fieldportal.Settings{Modules: fieldportal.AllModules})
	plan := func(t *testing.T, text string, args []any) string { return mustSQLitePlan(t, d, text, args) }
	for _, tc := range []struct {
		name string
		v    fieldportal.Viewer
		f    fieldportal.SiteFilter
	}{
		{"contact", contact, fieldportal.SiteFilter{WithActivity: true}},
		{"contact searching", contact, fieldportal.SiteFilter{Search: "tower", WithActivity: true}},
		{"staff", fieldportal.SystemViewer("org", "test"), fieldportal.SiteFilter{WithActivity: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dialect := SQLite
			text, args, err := siteListQuery(dialect, tc.v, tc.f, false, true, siteStreamColumns)
			if err != nil {
				t.Fatal(err)
			}
			p := plan(t, text+" LIMIT 1000", args)
			if !strings.Contains(p, "USING INDEX sites_stream") || strings.Contains(p, "TEMP B-TREE FOR ORDER BY") {
				t.Errorf("the stream is not read in order from sites_stream:\n%s", p)
			}
			for _, walk := range []bool{false, true} {
				text, args, err = siteListQuery(dialect, tc.v, tc.f, walk, false, siteColumns)
				if err != nil {
					t.Fatal(err)
				}
				if p := plan(t, text+limit(tc.f.Page), args); strings.Contains(p, "sites_stream") {
					t.Errorf("a page (walk %v) uses the stream's index:\n%s", walk, p)
				}
			}
		})
	}
	// The scope's "customer_id IN (...)" implied the index's first
	// condition (customer_id IS NOT NULL), and counts walked every site of
	// the organisation through it (found by the benchmark: a one-site
	// contact's dashboard 2 -> 42 ms).
	t.Run("counts", func(t *testing.T) {
		for _, walk := range []bool{false, true} {
			q := query{walkSites: walk}
			q.scopeSite(contact, "s", "s.id")
			if p := plan(t, q.sql(`SELECT count(*) FROM sites s`, ""), q.args); strings.Contains(p, "sites_stream") {
				t.Errorf("a count (walk %v) uses the stream's index:\n%s", walk, p)
			}
		}
	})
}

// mustSQLitePlan is SQLite's EXPLAIN QUERY PLAN of text, one detail a line.
func mustSQLitePlan(tb testing.TB, d *DB, text string, args []any) string {
	tb.Helper()
	rows, err := d.SQL().QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+text, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}
