package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// TestManySitesThreadsWalkLatest checks that a contact of many sites
// reads its unread threads by walking message_threads_latest in order,
// stopping after a page, not by reading every thread of its reach through
// the customer and site indexes and sorting them.
func TestManySitesThreadsWalkLatest(t *testing.T) {
	d := mustMigratedSQLite(t)
	// The statistics of the large data set (a parent of 20,000 sites),
	// under which SQLite chose the customer and site indexes.
	d.SQL().SetMaxOpenConns(1)
	for _, stmt := range []string{
		`ANALYZE`,
		`DELETE FROM sqlite_stat1`,
		`INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
			('customer_tree', 'customer_tree_reach', '19874 2 2 1'),
			('customer_tree', 'customer_tree_customer', '19874 2 1'),
			('customer_tree', 'sqlite_autoindex_customer_tree_1', '19874 2 1'),
			('message_threads', 'message_threads_waiting', '12489 12489 1 1'),
			('message_threads', 'message_threads_site', '25000 2 1 1'),
			('message_threads', 'message_threads_customer', '25000 3 1 1'),
			('message_threads', 'message_threads_latest', '25000 25000 1 1'),
			('message_threads', 'message_threads_record', '25000 25000 25000 1'),
			('message_threads', 'sqlite_autoindex_message_threads_1', '25000 1')`,
		`ANALYZE sqlite_schema`,
	} {
		if _, err := d.SQL().Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.WithValue(context.Background(), fewSitesKey{}, false)
	for _, plan := range mustPlansOf(t, d, "1 AS unread_rank", func() error {
		_, _, err := d.FindThreads(ctx, allSitesContact(), fieldportal.ThreadFilter{Page: fieldportal.Page{Limit: 25}})
		return err
	}) {
		if !strings.Contains(plan, "t USING INDEX message_threads_latest") || strings.Contains(plan, "MULTI-INDEX OR") {
			t.Errorf("unread threads not walked through message_threads_latest:\n%s", plan)
		}
	}
}
