package sqlstore

import (
	"context"
)

// A streamed list must give its first row at once, whatever the viewer
// reaches: a download starts when its first row is written. Both planners
// would rather gather a large reach through another index (a parent
// customer's 20,000 sites by customer) and sort it, computing every row's
// correlated counts (Open activities) before the sort, so the first row
// waited for the whole list (0.4 s to 1 s at the large size). Each engine
// is steered its own way, in the same SQL text:
//
//   - SQLite reads the table by an index in the list's order (walkIndex),
//     so rows come out in order with no sort. A viewer who reaches a few
//     sites among many pays for the walk past the others, which an index
//     holding what the scope checks keeps short (sites_stream: 15 ms for
//     one site among 100,000).
//   - PostgreSQL takes no hints, but evaluates costly output expressions
//     after the sort when the query has a LIMIT (make_sort_input_target):
//     streamLimit, a limit no list reaches, has it sort the narrow rows
//     and count as it streams (first row after 50 ms, not 400 ms, for the
//     20,000 sites).
//
// The LIMIT changes nothing on SQLite, and PostgreSQL never sees the
// index's name.

// streamLimit ends every streamed list's query: see above.
const streamLimit = " LIMIT 1000000000"

// walkIndex is, on SQLite, the INDEXED BY clause that makes a table read
// through the named index, and "" on PostgreSQL. It goes after the
// table's alias.
func (d Dialect) walkIndex(index string) string {
	if d == Postgres {
		return ""
	}
	return " INDEXED BY " + index
}

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
