package sqlstore

import (
	"context"
	"database/sql"

	"github.com/fieldportal/fieldportal"
)

// AsManySites returns ctx in which every contact counts as reaching many
// sites (reachesFewSites answers false), so that a small fixture takes
// the reads of a big customer: the tallies of a contact who sees every
// site, the organisation-wide plans of the others.
func AsManySites(ctx context.Context) context.Context {
	return context.WithValue(ctx, fewSitesKey{}, false)
}

// SetBeforeRecount makes every Commit that recounts tallies call fn first
// (nil: nothing). Set it before the transactions start, and clear it
// after they end.
func SetBeforeRecount(d *DB, fn func()) { d.beforeRecount = fn }

// SetAfterStatementZone makes every recount of a customer's statement
// sums call fn just after it read the organisation's zone (nil: nothing).
func SetAfterStatementZone(d *DB, fn func()) { d.afterStatementZone = fn }

// ObserveQueries makes d tell fn the text and arguments of every query it
// runs from now on (Exec statements are not told): the query plans test
// collects a service call's queries to EXPLAIN them. Call it before d is
// used by more than one goroutine.
func ObserveQueries(d *DB, fn func(query string, args []any)) {
	d.db.observe = fn
	d.read.observe = fn
}

// SetStreamChunk sets the rows each query of a streamed list reads, so a
// small fixture crosses chunk boundaries.
func SetStreamChunk(d *DB, n int) { d.streamChunk = n }

// RunWithValuePlans runs text n times as a read planned for its values
// (DB.planned).
func RunWithValuePlans(ctx context.Context, d *DB, text string, n int, args ...any) error {
	for range n {
		rows, err := d.planned(true).QueryContext(ctx, text, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// SitesUnderCustomer is the console's search of the sites under a
// customer (the contact access page), up to limit sites.
func SitesUnderCustomer(ctx context.Context, d *DB, v fieldportal.Viewer, customerID, search string, limit int) ([]*fieldportal.Site, error) {
	return d.sitesUnderCustomer(ctx, v, customerID, search, nil, limit)
}

// SetBeforeCheckoutCommit makes a checkout's confirmation fail (or wait)
// just before it commits.
func SetBeforeCheckoutCommit(d *DB, fn func() error) { d.beforeCheckoutCommit = fn }

// SetStatementWalkBatch sets how many invoices and payments each step of
// EachStatementEntry reads, for the test's duration.
func SetStatementWalkBatch(tb interface{ Cleanup(func()) }, n int) {
	old := statementWalkBatch
	statementWalkBatch = n
	tb.Cleanup(func() { statementWalkBatch = old })
}

// StatementFromRows reads a whole statement the slow way (every row of
// the range checked for reach, then BuildStatement): the tests' reference.
func (d *DB) StatementFromRows(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest) (*fieldportal.Statement, error) {
	return d.statementFromRows(ctx, v, r)
}

// Cursor is the page cursor of a row with the values vals, as a list's
// Next gives it: for tests that forge one.
func Cursor(vals ...any) string { return cursor(vals...) }

// ReadPoolStats are the statistics of d's read pool.
func ReadPoolStats(d *DB) sql.DBStats { return d.read.Stats() }
