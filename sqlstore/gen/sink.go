package gen

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// table is one table's rows. A yielded row slice may be reused by the
// generator once yield returns: sinks copy or encode it at once.
type table struct {
	name string
	cols []string
	rows iter.Seq[[]any]
}

func newTable(name, cols string, rows iter.Seq[[]any]) *table {
	c := strings.Split(cols, ",")
	for i := range c {
		c[i] = strings.TrimSpace(c[i])
	}
	return &table{name: name, cols: c, rows: rows}
}

// sink writes tables through an engine's bulk path on one connection.
type sink interface {
	write(ctx context.Context, t *table) (int64, error)
	// finish commits and puts the connection back as it was.
	finish(ctx context.Context) error
	// abort rolls back what it can and releases the connection.
	abort()
}

// postgresSink COPYs every table in one transaction, so a failed run
// leaves nothing behind. Foreign keys and every index stay in force.
type postgresSink struct{ conn *sql.Conn }

func openPostgresSink(ctx context.Context, db *sqlstore.DB) (*postgresSink, error) {
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return nil, err
	}
	// Nothing here needs to survive a crash before COMMIT; not waiting
	// for the WAL flush at commit is the only durability given up.
	for _, q := range []string{"BEGIN", "SET LOCAL synchronous_commit = off"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return &postgresSink{conn: conn}, nil
}

func (s *postgresSink) write(ctx context.Context, t *table) (int64, error) {
	next, stop := iter.Pull(t.rows)
	defer stop()
	src := pgx.CopyFromFunc(func() ([]any, error) {
		row, ok := next()
		if !ok {
			return nil, nil
		}
		return row, nil
	})
	var n int64
	err := s.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src)
		return err
	})
	return n, err
}

func (s *postgresSink) finish(ctx context.Context) error {
	defer s.conn.Close()
	_, err := s.conn.ExecContext(ctx, "COMMIT")
	return err
}

func (s *postgresSink) abort() {
	s.conn.ExecContext(context.Background(), "ROLLBACK")
	s.conn.Close()
}

// sqliteSink writes multi-row INSERTs, prepared once per table, in
// transactions of commitEvery rows. While it loads, its connection skips
// the fsyncs (a crash mid-load leaves a database to throw away anyway),
// keeps a large page cache and temporary b-trees in memory; finish
// restores the connection's settings before it returns to the pool. The
// cache (up to 1 GiB, taken only as the load needs it) holds the indexes
// of the large tables, where inserts land all over the b-tree.
// Foreign keys stay checked, as on PostgreSQL: they cost little here.
type sqliteSink struct {
	conn *sql.Conn
	// rows is the count since the last commit.
	rows int
}

const (
	commitEvery = 250_000
	// sqliteMaxParams stays under SQLITE_MAX_VARIABLE_NUMBER (32766).
	sqliteMaxParams = 32_000
	sqliteMaxRows   = 500
)

var (
	sqliteBulkPragmas = []string{"PRAGMA synchronous = OFF",
		"PRAGMA cache_size = -1048576", "PRAGMA temp_store = MEMORY"}
	// sqliteRestorePragmas are the DSN's settings (sqlstore.sqliteDSN) and
	// SQLite's defaults for the others.
	sqliteRestorePragmas = []string{"PRAGMA synchronous = NORMAL",
		"PRAGMA cache_size = -2000", "PRAGMA temp_store = DEFAULT"}
)

func openSQLiteSink(ctx context.Context, db *sqlstore.DB) (*sqliteSink, error) {
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return nil, err
	}
	s := &sqliteSink{conn: conn}
	for _, q := range sqliteBulkPragmas {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			s.abort()
			return nil, err
		}
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		s.abort()
		return nil, err
	}
	return s, nil
}

func (s *sqliteSink) write(ctx context.Context, t *table) (n int64, err error) {
	per := min(sqliteMaxRows, sqliteMaxParams/len(t.cols))
	full, err := s.conn.PrepareContext(ctx, insertSQL(t, per))
	if err != nil {
		return 0, err
	}
	defer full.Close()
	args := make([]any, 0, per*len(t.cols))
	for row := range t.rows {
		args = append(args, row...)
		n++
		if len(args) < cap(args) {
			continue
		}
		if _, err = full.ExecContext(ctx, args...); err != nil {
			return n, err
		}
		args = args[:0]
		if s.rows += per; s.rows >= commitEvery {
			if err = s.commit(ctx); err != nil {
				return n, err
			}
		}
	}
	if len(args) > 0 {
		k := len(args) / len(t.cols)
		if _, err = s.conn.ExecContext(ctx, insertSQL(t, k), args...); err != nil {
			return n, err
		}
		s.rows += k
	}
	return n, nil
}

// commit ends the current transaction and starts the next, so that the
// write-ahead log is checkpointed as the load goes instead of growing to
// the size of the database.
func (s *sqliteSink) commit(ctx context.Context) error {
	s.rows = 0
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	_, err := s.conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	return err
}

func (s *sqliteSink) finish(ctx context.Context) error {
	defer s.conn.Close()
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	for _, q := range sqliteRestorePragmas {
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	// Fold the write-ahead log into the database file, so that its size
	// is the database's and the first reader does not replay it.
	_, err := s.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

func (s *sqliteSink) abort() {
	ctx := context.Background()
	s.conn.ExecContext(ctx, "ROLLBACK")
	for _, q := range sqliteRestorePragmas {
		s.conn.ExecContext(ctx, q)
	}
	s.conn.Close()
}

// insertSQL is INSERT INTO t (cols) VALUES (?, ...), ... for n rows.
func insertSQL(t *table, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}
