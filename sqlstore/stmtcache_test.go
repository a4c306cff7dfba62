package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// The statement cache stays within its bound however many distinct texts
// the query builder makes, evicted statements are closed without breaking
// callers using them, and nothing outlives the database.
func TestStmtCacheBounded(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.db.stmts = newStmtCache(8)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				want := w*1000 + i
				var got int
				if err := d.db.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + $1", want), 0).Scan(&got); err != nil || got != want {
					t.Errorf("query %d: %d, %v", want, got, err)
					return
				}
				tx, err := d.BeginTx(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT %d + $1", i%16), 1)
				if err != nil {
					t.Error(err)
					tx.Rollback()
					return
				}
				for rows.Next() {
				}
				rows.Close()
				tx.Rollback()
			}
		}()
	}
	wg.Wait()
	if n := d.db.stmts.len(); n > 8 || n == 0 {
		t.Fatalf("%d statements kept, want 1 to 8", n)
	}
	// A repeated text is served from the cache.
	d.db.QueryRowContext(ctx, "SELECT 42").Scan(new(int))
	s1, done := d.db.stmts.get(ctx, d.db.DB, "SELECT 42")
	done()
	s2, done := d.db.stmts.get(ctx, d.db.DB, "SELECT 42")
	done()
	if s1 != s2 {
		t.Fatal("the same text was prepared twice")
	}
	// A text that does not prepare reports its error through the plain path.
	if _, err := d.db.ExecContext(ctx, "SELEKT 1"); err == nil {
		t.Fatal("a syntax error was accepted")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := d.db.stmts.len(); n != 0 {
		t.Fatalf("%d statements kept after Close", n)
	}
	if d.db.Stats().OpenConnections != 0 {
		t.Fatal("connections open after Close")
	}
	if s, _ := d.db.stmts.get(ctx, d.db.DB, "SELECT 1"); s != nil {
		t.Fatal("a closed database prepared a statement")
	}
}

// PostgreSQL keeps no cache of its own in the store: pgx caches per
// connection.
func TestStmtCacheOnlyOnSQLite(t *testing.T) {
	if (&pool{}).stmts != nil {
		t.Fatal("a pool without a cache")
	}
}
