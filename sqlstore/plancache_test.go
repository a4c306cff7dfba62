package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// On PostgreSQL the queries whose plan depends on a value (the diary's
// time range) run where every statement is planned for its values, while
// the pool's sessions keep PostgreSQL's default (generic plans after five
// runs, which spare most queries their planning).
func TestValuePlans(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	ctx := context.Background()
	mode, err := sqlstore.ValuePlanMode(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if mode != "force_custom_plan" {
		t.Errorf("plan_cache_mode in withValuePlans = %q, want force_custom_plan", mode)
	}
	if err := db.SQL().QueryRowContext(ctx, `SHOW plan_cache_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "auto" {
		t.Errorf("the pool's plan_cache_mode = %q, want auto", mode)
	}
}
