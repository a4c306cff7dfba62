package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// On PostgreSQL the queries whose plan depends on a value (the diary's
// time range, a search's words) are sent unnamed, which PostgreSQL plans
// for their values every time, while the pool's other statements are
// prepared by name (generic plans after five runs, which spare most
// queries their planning).
func TestValuePlans(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	ctx := context.Background()
	// One connection, so that its prepared statements are the ones seen.
	db.SQL().SetMaxOpenConns(1)
	const text = `SELECT count(*) FROM organisations WHERE id <> $1 /* TestValuePlans */`
	prepared := func() bool {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, text).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	t.Run("sent unnamed where plans follow the values", func(t *testing.T) {
		if err := sqlstore.RunWithValuePlans(ctx, db, text, 6, "x"); err != nil {
			t.Fatal(err)
		}
		if prepared() {
			t.Error("the statement was prepared by name: PostgreSQL may keep one plan for all values")
		}
	})
	t.Run("prepared by name elsewhere", func(t *testing.T) {
		for range 6 {
			var n int
			if err := db.SQL().QueryRowContext(ctx, text, "x").Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		if !prepared() {
			t.Error("the pool's statement is not prepared by name: this test cannot tell the two apart")
		}
	})
}
