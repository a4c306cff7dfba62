package sqlstore

import (
	"context"
)

// streamRows runs one query in a read transaction and calls fn with each
// row as the cursor reaches it, never holding more than one: exports (the
// CSVs) walk selections of any size in constant memory this way. It is
// readTx's transaction because a walk lasts as long as its client reads:
// on SQLite a DEFERRED transaction on the read pool holds a snapshot but
// no lock, so writers carry on beside it (WAL), and it takes none of the
// write pool's few connections; on PostgreSQL it is READ ONLY. An error
// from fn stops the walk and is returned as it is.
func streamRows[T any](ctx context.Context, d *DB, text string, args []any,
	scan func(interface{ Scan(...any) error }) (T, error), fn func(T) error) error {
	tx, err := d.readTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return rows.Err()
}
