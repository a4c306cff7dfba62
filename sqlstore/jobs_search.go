package sqlstore

import (
	"context"
	"strings"
)

// The search of the jobs pages by job or order number (issue 16), served
// by a text index of the two columns like the sites' search (search.go):
// a parent's search read each of its orders (100,000 at the large size)
// and matched it by LIKE.

// jobSearchMigration is the version of the Go migration that makes the
// jobs' text index.
const jobSearchMigration = 116

// jobText is the jobs' text index.
var jobText = textIndex{"jobs", "job_search", []string{"number", "order_no"}}

// laterTextIndexes are the text indexes made by migrations after the
// first (searchMigration), which rebuildTextIndexes rebuilds too.
var laterTextIndexes = []textIndex{jobText}

// jobSearchDDL is the migration's statements for the engine d.
func jobSearchDDL(d Dialect) []string { return textIndexDDL(d, []textIndex{jobText}) }

// jobSearchSQL is the migration's text on both engines, for MigrationsHash.
func jobSearchSQL() string {
	return strings.Join(jobSearchDDL(SQLite), ";\n") + strings.Join(jobSearchDDL(Postgres), ";\n")
}

// migrateJobSearch runs the migration's statements for the engine d.
func migrateJobSearch(ctx context.Context, tx execer, d Dialect) error {
	for _, stmt := range jobSearchDDL(d) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
