package sqlstore

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// numberStatisticsMigration is the version of the Go migration that
// measures the tables of 00171's indexes on PostgreSQL.
const numberStatisticsMigration = 178

// numberStatisticsMigrations measure invoices and jobs on PostgreSQL once
// 00171 has indexed lower(number). PostgreSQL keeps statistics of an
// index's expression only after the table is next analysed, and
// autovacuum analyses a table after a tenth of it has changed: on a large
// table that is already loaded, possibly never. Until then it guesses
// that a number matches 0.5% of the invoices, and a staff search walked
// the organisation's invoices newest first looking for a match (124 ms at
// the large size, 0.6 ms once measured). SQLite measures the tables of
// new indexes at start (analyzeUnmeasured).
func numberStatisticsMigrations(d Dialect) []*goose.Migration {
	return []*goose.Migration{goose.NewGoMigration(numberStatisticsMigration,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if d != Postgres {
				return nil
			}
			for _, t := range []string{"invoices", "jobs"} {
				if _, err := tx.ExecContext(ctx, "ANALYZE "+t); err != nil {
					return err
				}
			}
			return nil
		}}, nil)}
}

// numberStatisticsSQL names what the migration does (in tallySQL, so
// that a change to it makes new test templates).
const numberStatisticsSQL = `ANALYZE invoices ANALYZE jobs`
