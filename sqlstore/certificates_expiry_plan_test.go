package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// TestExpiringCountReadsTheIndexAlone checks that the dashboard's count of
// certificates expiring soon reads its range of expiry dates and each
// row's site from certificates_expiry alone (migration 00330), not each
// row from the table too: most of a big parent's dashboard SQL before.
func TestExpiringCountReadsTheIndexAlone(t *testing.T) {
	ctx := context.Background()
	d := mustMigratedSQLite(t)
	var queries []string
	var args [][]any
	ObserveQueries(d, func(q string, a []any) { queries, args = append(queries, q), append(args, a) })
	for _, tc := range []struct {
		name string
		v    fieldportal.Viewer
	}{
		{"a contact of many sites", fieldportal.NewContactViewer("org", fieldportal.ContactGrants{LoginID: "login", ContactID: "contact",
			CustomerID: "customer", SiteAccess: fieldportal.SiteAccessAll, Pages: fieldportal.AllModules},
			fieldportal.Settings{Modules: fieldportal.AllModules})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			queries, args = nil, nil
			ctx := context.WithValue(ctx, fewSitesKey{}, false) // as for a parent of 20,000 sites
			if _, err := d.CountExpiringCertificates(ctx, tc.v, fieldportal.DateOf(time.Now())); err != nil {
				t.Fatal(err)
			}
			found := false
			for i, q := range queries {
				if !strings.Contains(q, "FROM certificates c") {
					continue
				}
				found = true
				plan := mustSQLitePlan(t, d, q, args[i])
				if !strings.Contains(plan, "COVERING INDEX certificates_expiry ") {
					t.Errorf("the range is not read from certificates_expiry alone:\n%s", plan)
				}
			}
			if !found {
				t.Fatal("no certificates query seen")
			}
		})
	}
}

// mustMigratedSQLite opens a migrated, empty SQLite database for a plan
// check, closed when the test ends.
func mustMigratedSQLite(tb testing.TB) *DB {
	tb.Helper()
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(tb.TempDir(), "plans.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return d
}
