package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The SQLite-only text of a query fragment runs on SQLite and is a
// comment on PostgreSQL, and the scope's lookup of a record's site reads
// the covering index it names (issue 15).
func TestSQLiteOnlyHints(t *testing.T) {
	const text = "SELECT 1 FROM sites rs /*sqlite INDEXED BY sites_id_customer */ WHERE rs.id = $1"
	if got := "SELECT 1 FROM sites rs" + sqliteOnly("INDEXED BY sites_id_customer") + " WHERE rs.id = $1"; got != text {
		t.Fatalf("sqliteOnly wrote %q", got)
	}
	t.Run("opened on SQLite", func(t *testing.T) {
		p := &pool{hints: true}
		if got, want := p.text(text), "SELECT 1 FROM sites rs INDEXED BY sites_id_customer WHERE rs.id = $1"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("left as a comment on PostgreSQL", func(t *testing.T) {
		p := &pool{}
		if got := p.text(text); got != text {
			t.Errorf("got %q", got)
		}
	})
	t.Run("the record's site read from the covering index", func(t *testing.T) {
		ctx := context.Background()
		d, err := Open(ctx, filepath.Join(t.TempDir(), "hints.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// A hint naming no index must fail wherever a text runs: through
		// the statement cache, and in a transaction.
		bad := "SELECT count(*) FROM sites rs" + sqliteOnly("INDEXED BY no_such_index")
		for i := range 2 { // a text that fails to prepare is never cached: both runs prepare
			if _, err := d.db.QueryContext(ctx, bad); err == nil || !strings.Contains(err.Error(), "no_such_index") {
				t.Errorf("run %d through the pool: %v, want no such index", i+1, err)
			}
		}
		if err := d.inTx(ctx, func(tx *Tx) error {
			_, err := tx.QueryContext(ctx, bad)
			return err
		}); err == nil || !strings.Contains(err.Error(), "no_such_index") {
			t.Errorf("in a transaction: %v, want no such index", err)
		}
		var queries []string
		var args [][]any
		ObserveQueries(d, func(q string, a []any) { queries, args = append(queries, q), append(args, a) })
		v := fieldportal.NewContactViewer("org", fieldportal.ContactGrants{LoginID: "login", ContactID: "contact",
			CustomerID: "customer", SiteAccess: fieldportal.SiteAccessAll, Pages: fieldportal.AllModules},
			fieldportal.Settings{Modules: fieldportal.AllModules})
		if _, _, err := d.FindJobs(ctx, v, fieldportal.JobFilter{Page: fieldportal.Page{Limit: 5}, RecentlyChanged: true}); err != nil {
			t.Fatal(err)
		}
		found := false
		for i, q := range queries {
			if !strings.Contains(q, "FROM jobs j") {
				continue
			}
			found = true
			if strings.Contains(q, "/*sqlite") {
				t.Errorf("the hint ran as a comment: %s", q)
			}
			plan := mustSQLitePlan(t, d, q, args[i])
			if !strings.Contains(plan, "COVERING INDEX sites_id_customer") {
				t.Errorf("the site's customer is not read from sites_id_customer:\n%s", plan)
			}
		}
		if !found {
			t.Fatal("no jobs query seen")
		}
	})
}
