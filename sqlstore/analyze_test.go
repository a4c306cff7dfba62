package sqlstore

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// An index a migration adds to a table SQLite has measured gets its
// statistics before the store serves: without them SQLite takes it for
// the most selective index of the table (issue 16's jobs_newest drew a big
// parent's dashboard to sort every job).
func TestAnalyzeUnmeasured(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "stats.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	stats := func(t *testing.T, idx string) int {
		t.Helper()
		var n int
		if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_stat1 WHERE idx = $1`, idx).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("a database never measured stays so", func(t *testing.T) {
		if _, err := d.db.ExecContext(ctx, `CREATE TABLE visits (id INTEGER PRIMARY KEY, org TEXT, at TEXT)`); err != nil {
			t.Fatal(err)
		}
		if err := d.analyzeUnmeasured(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("statistics made for a database never measured: %d %v", n, err)
		}
	})
	t.Run("a new index of a measured table is measured", func(t *testing.T) {
		for _, s := range []string{
			`CREATE INDEX visits_org ON visits (org, at)`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) INSERT INTO visits (org, at) SELECT 'a', i FROM n`,
			`ANALYZE`,
			`CREATE INDEX visits_newest ON visits (org, id)`,
		} {
			if _, err := d.db.ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		if stats(t, "visits_newest") != 0 {
			t.Fatal("the new index has statistics before it was measured")
		}
		if err := d.analyzeUnmeasured(ctx); err != nil {
			t.Fatal(err)
		}
		if stats(t, "visits_newest") != 1 || stats(t, "visits_org") != 1 {
			t.Errorf("statistics: new %d, old %d", stats(t, "visits_newest"), stats(t, "visits_org"))
		}
	})
	t.Run("a table measured empty is not measured at every start", func(t *testing.T) {
		var logs bytes.Buffer
		e, err := Open(ctx, filepath.Join(t.TempDir(), "empty.db"), slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		for _, s := range []string{
			`CREATE TABLE tokens (id INTEGER PRIMARY KEY, login TEXT, used TEXT)`,
			`CREATE INDEX tokens_login ON tokens (login)`,
			`CREATE UNIQUE INDEX tokens_live ON tokens (login) WHERE used IS NULL`,
			`ANALYZE`,
		} {
			if _, err := e.db.ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		var missing int
		if err := e.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master m WHERE m.type = 'index' AND m.tbl_name = 'tokens'
			AND m.name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)`).Scan(&missing); err != nil || missing == 0 {
			t.Fatalf("every index of the empty table has figures (%d, %v): the case this tests is gone", missing, err)
		}
		for range 2 {
			if err := e.analyzeUnmeasured(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Contains(logs.String(), "statistics measured") {
			t.Errorf("an empty table was measured again:\n%s", logs.String())
		}
	})
}

// A start that finds no migration to run still measures the indexes a
// migration left without statistics: when the run that applied it
// stopped before its ANALYZE (a crash, a cancelled context, a busy
// database), no later start would, and the plans stayed wrong for good.
func TestAnalyzeUnmeasuredAfterAnInterruptedRun(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "stats.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// As if the last migration had made visits_newest and the process had
	// stopped before measuring it.
	for _, s := range []string{
		`CREATE TABLE visits (id INTEGER PRIMARY KEY, org TEXT, at TEXT)`,
		`CREATE INDEX visits_org ON visits (org, at)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) INSERT INTO visits (org, at) SELECT 'a', i FROM n`,
		`ANALYZE`,
		`CREATE INDEX visits_newest ON visits (org, id)`,
	} {
		if _, err := d.db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_stat1 WHERE idx = 'visits_newest'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the index left unmeasured has %d statistics rows after the next start (%v)", n, err)
	}
}
