package sqlstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// SQLite's connections stay open between bursts: a new one runs its
// pragmas, parses the schema and prepares its statements again, which
// under eight clients was most of the CPU (database/sql keeps two idle
// unless told otherwise).
func TestSQLiteKeepsItsConnections(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	ctx := context.Background()
	for range 3 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 8 {
			wg.Go(func() {
				<-start
				tx, err := db.SQL().BeginTx(ctx, nil)
				if err != nil {
					t.Error(err)
					return
				}
				defer tx.Rollback()
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM organisations`).Scan(&n); err != nil {
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
	}
	if st := db.PoolStats(); st.MaxIdleClosed > 0 {
		t.Errorf("%d connections closed for want of idle room (open %d)", st.MaxIdleClosed, st.OpenConnections)
	}
}
