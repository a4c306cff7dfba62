package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestWritersGateIsLetGo checks that every way a write transaction ends
// lets the next writer in (on SQLite each holds the writers gate from
// BeginTx to its Commit or Rollback): a panic under a deferred Rollback, a
// Rollback after Commit (the store's usual defer), a context that ended
// while waiting or while holding it. A leak would make the next BeginTx
// wait until its deadline.
func TestWritersGateIsLetGo(t *testing.T) {
	// A gate never let go holds the next writer for ever, so the waits
	// below are deadlines for a loaded machine (CI's race run is ten
	// times slower than alone), not speed tests.
	const stuck = 60 * time.Second
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		// within fails the test rather than hanging it when a step
		// waits on a gate that was never let go (or let go twice).
		within := func(t *testing.T, step func()) {
			t.Helper()
			done := make(chan struct{})
			go func() { defer close(done); step() }()
			select {
			case <-done:
			case <-time.After(stuck):
				t.Fatal("a writer is stuck at the gate")
			}
		}
		next := func(t *testing.T) {
			t.Helper()
			ctx, cancel := context.WithTimeout(t.Context(), stuck)
			defer cancel()
			tx, err := db.BeginTx(ctx)
			if err != nil {
				t.Fatalf("the next writer did not get in: %v", err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("a panic under a deferred Rollback", func(t *testing.T) {
			func() {
				defer func() { _ = recover() }()
				tx, err := db.BeginTx(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				panic("a bug in a write")
			}()
			next(t)
		})
		t.Run("a Rollback after Commit lets go once", func(t *testing.T) {
			tx, err := db.BeginTx(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			within(t, func() { _ = tx.Rollback() }) // the defer of every public method
			// A second let-go would take the place of the writer that
			// holds the gate now, and let a third in beside it.
			holder, err := db.BeginTx(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			within(t, func() { _ = tx.Rollback() })
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			if db.Dialect() == sqlstore.SQLite {
				if other, err := db.BeginTx(ctx); err == nil {
					other.Rollback()
					t.Error("a second writer got in beside the one holding the gate")
				}
			}
			holder.Rollback()
			next(t)
		})
		t.Run("a context ended before the gate", func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if tx, err := db.BeginTx(ctx); err == nil {
				tx.Rollback()
			}
			next(t)
		})
		t.Run("a context ended while holding the gate", func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			tx, err := db.BeginTx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cancel()
			if _, err := tx.ExecContext(ctx, `SELECT 1`); err == nil {
				t.Log("the statement ran before the cancel was seen")
			}
			_ = tx.Rollback()
			next(t)
		})
	})
}
