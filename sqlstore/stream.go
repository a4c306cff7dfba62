package sqlstore

import (
	"context"
	"strconv"
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
//     each chunk's LIMIT (streamChunks) has it sort the narrow rows and
//     count only the chunk's (first row after 50 ms, not 400 ms, for the
//     20,000 sites).
//
// PostgreSQL never sees the index's name.

// walkIndex is, on SQLite, the INDEXED BY clause that makes a table read
// through the named index, and "" on PostgreSQL. It goes after the
// table's alias.
func (d Dialect) walkIndex(index string) string {
	if d == Postgres {
		return ""
	}
	return " INDEXED BY " + index
}

// streamChunk is how many rows each query of streamChunks reads at most,
// and streamFirstChunk how many its first query reads: the chunks double
// from the one to the other. The first byte of a download waits for the
// first chunk, read whole: 1,000 rows took the parent's invoices CSV
// 338 ms at the large size, where the walk passes over four invoices out
// of reach for each one it keeps. Later chunks are larger, as each query
// begins with its own reach and a seek in its index; the largest bounds
// the memory a download holds (server.TestSitesCSVMemory).
const (
	streamChunk      = 1000
	streamFirstChunk = 100
)

// streamChunks walks a list of any size chunk by chunk: each chunk is one
// query of at most d's chunk size rows (by default streamFirstChunk,
// growing to streamChunk) after the last row of the one before, read
// whole and closed before fn sees its rows. A download lasts as long as its client reads, and a client that
// stops reading must not keep a database connection or snapshot (found
// by review: twenty stalled downloads took PostgreSQL's whole pool), so
// it holds one chunk of rows in memory and nothing in the database. Each
// chunk is read as it stands, with no snapshot across chunks: a row whose
// sort key changes during the walk may be missed (moved before the
// cursor) or written twice (moved after it), as in paging a list by hand;
// rows that do not change appear once, in order. query builds the query of the rows
// after a cursor ("" for the first), key gives a row's cursor. An error
// from fn stops the walk and is returned as it is.
func streamChunks[T any](ctx context.Context, d *DB, query func(after string) (string, []any, error),
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) string, fn func(T) error) error {
	size, most := streamFirstChunk, streamChunk
	if d.streamChunk > 0 {
		size, most = d.streamChunk, d.streamChunk
	}
	after := ""
	for {
		text, args, err := query(after)
		if err != nil {
			return err
		}
		rows, err := d.read.QueryContext(ctx, text+" LIMIT "+strconv.Itoa(size), args...)
		if err != nil {
			return err
		}
		chunk, err := collect(rows, scan)
		if err != nil {
			return err
		}
		for _, x := range chunk {
			if err := fn(x); err != nil {
				return err
			}
		}
		if len(chunk) < size {
			return nil
		}
		after = key(chunk[len(chunk)-1])
		size = min(2*size, most)
	}
}
