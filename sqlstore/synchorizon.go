package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// SyncHorizon returns the start of the oldest transaction still open on
// the database, by any session of any instance, or now when none is
// older. A record's updated_at is its transaction's start, so a change
// still being committed has an updated_at at or after the horizon: a sync
// that reads only what changed before it misses nothing that commits
// later, whatever the transaction's length (the API keeps a few more
// seconds of margin for the clocks of the database and the program).
// Read-only transactions count too (a long export holds a sync back; it
// delays, it never loses). SQLite has no view of the transactions open,
// so there the horizon is now and the API's margin alone covers them.
// PostgreSQL shows a session's xact_start only to its own role, a
// superuser, or a member of pg_read_all_stats: every process writing
// records must connect as the program's role (or that role be given
// pg_read_all_stats), else its transactions pass unseen.
func (d *DB) SyncHorizon(ctx context.Context) (time.Time, error) {
	now := d.Now().UTC()
	if d.dialect != Postgres {
		return now, nil
	}
	var oldest sql.NullTime
	if err := d.db.QueryRowContext(ctx, `SELECT min(xact_start) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&oldest); err != nil {
		return time.Time{}, err
	}
	if oldest.Valid && oldest.Time.Before(now) {
		return oldest.Time.UTC(), nil
	}
	return now, nil
}
