package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// PostgreSQL plans every statement for its values: a generic plan kept
// after five runs walked every past appointment for the dashboard.
func TestPostgresPlansForTheValues(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	var mode string
	if err := db.SQL().QueryRowContext(context.Background(), `SHOW plan_cache_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "force_custom_plan" {
		t.Errorf("plan_cache_mode = %q, want force_custom_plan", mode)
	}
}
