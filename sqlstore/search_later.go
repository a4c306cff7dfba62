package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/pressly/goose/v3"
)

// Text indexes made after the first (searchMigration), one Go migration
// each, like the sites' search (search.go): the number searches of the
// jobs, issues and quotes pages (issue 16). Without them a parent's search
// read each of its records (100,000 jobs, 50,000 issues and quotes at the
// large size) and matched it by LIKE: 490, 118 and 31 ms on SQLite.

// The text indexes of the record lists' searches.
var (
	jobText   = textIndex{"jobs", "job_search", []string{"number", "order_no"}}
	issueText = textIndex{"issues", "issue_search", []string{"number", "title"}}
	quoteText = textIndex{"quotes", "quote_search", []string{"number", "order_no"}}
	// assetText serves the equipment list's search (issue 18).
	assetText = textIndex{"assets", "asset_search", []string{"number", "name", "location", "serial"}}
	// documentText is the Documents page's search by name (issue 18): a
	// parent's search walked its 500,000 files' names by LIKE.
	documentText = textIndex{"documents", "document_search", []string{"name"}}
	// customerText serves the console's customer search by name and
	// account number (issue 20).
	customerText = textIndex{"customers", "customer_search", []string{"name", "external_id"}}
)

// laterTextMigrations are the migrations that make text indexes after the
// first, by version.
var laterTextMigrations = []struct {
	version int64
	indexes []textIndex
}{
	{116, []textIndex{jobText}},
	{131, []textIndex{issueText, quoteText}},
	{183, []textIndex{documentText}},
	{186, []textIndex{assetText}},
	{267, []textIndex{customerText}},
}

// laterTextIndexes are the text indexes of laterTextMigrations, which
// rebuildTextIndexes rebuilds too.
func laterTextIndexes() []textIndex {
	var out []textIndex
	for _, m := range laterTextMigrations {
		out = append(out, m.indexes...)
	}
	return out
}

// laterTextMigrationsFor are the Go migrations of laterTextMigrations
// for the engine d.
func laterTextMigrationsFor(d Dialect) []*goose.Migration {
	var out []*goose.Migration
	for _, m := range laterTextMigrations {
		stmts := textIndexDDL(d, m.indexes)
		out = append(out, goose.NewGoMigration(m.version, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return execAll(ctx, tx, stmts)
		}}, nil))
	}
	return out
}

// laterTextSQL is the migrations' text on both engines, for MigrationsHash.
func laterTextSQL() string {
	var b strings.Builder
	for _, m := range laterTextMigrations {
		b.WriteString(strings.Join(textIndexDDL(SQLite, m.indexes), ";\n"))
		b.WriteString(strings.Join(textIndexDDL(Postgres, m.indexes), ";\n"))
	}
	return b.String()
}

// execAll runs statements in order.
func execAll(ctx context.Context, tx execer, stmts []string) error {
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
