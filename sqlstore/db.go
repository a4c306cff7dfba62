// Package sqlstore keeps fieldportal's records in SQLite or PostgreSQL with
// one hand-written SQL text for both engines. Public methods own their
// transaction; private helpers take the *Tx. Every portal query takes the
// viewer and applies the access rules of SPEC §2 (scope.go).
package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/fieldportal/fieldportal/blob"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/fieldportal/fieldportal"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open database of either engine.
type DB struct {
	db *pool
	// read is, on SQLite, a second pool on the same file whose
	// transactions begin DEFERRED: readTx uses it so a read-only
	// transaction does not queue for the write lock (WAL lets readers run
	// beside the writer). On PostgreSQL it is db.
	read *pool
	// writers is, on SQLite, a one-place gate every write transaction
	// holds from BeginTx to its Commit or Rollback. SQLite has one writer
	// anyway, and its busy handler is not a queue: it sleeps and retries,
	// so under eight writers one could lose every retry for the whole
	// busy_timeout and fail with SQLITE_BUSY (seen in CI under the race
	// detector). Blocked senders on a Go channel are served in order, and
	// a writer waiting here holds no pooled connection. Nil on PostgreSQL.
	writers chan struct{}
	dialect Dialect
	logger  *slog.Logger
	orgs    orgCache
	// Now is the clock; tests replace it.
	Now func() time.Time
	// LinkBase starts the links of the mail the store composes itself (an
	// issue answered), such as https://portal.example.com; an
	// organisation with its own host gets links to that host instead.
	LinkBase string
	// WebhookURLs is which endpoint URLs an admin may save (the
	// install's settings; the zero policy is production's: https to
	// public addresses only).
	WebhookURLs fieldportal.WebhookURLPolicy
	// EventData, when set, turns the record an event carries into the
	// representation webhook receivers get (api.EventData, wired by the
	// program: the store does not know the API's shapes); currency is the
	// organisation's. Unset, the domain record goes as it is.
	EventData func(data any, currency string) any
	// beforeRecount, when set (by tests only), runs in Commit after the
	// transaction's writes and before it recounts tallies: a test holds a
	// write there to let another transaction race it.
	beforeRecount func()
	// afterStatementZone, when set (by tests only), runs in Commit's
	// recount of a customer's statement sums just after it read the zone
	// they are taken in: a test holds it there to let a change of the
	// organisation's time zone race it.
	afterStatementZone func()
	// beforeCheckoutCommit, when set (by tests only), runs last in a
	// checkout's confirmation; an error stands for the process dying
	// before the commit.
	beforeCheckoutCommit func() error
	// streamChunk, when set (by tests only), is the chunk size of
	// streamChunks.
	streamChunk int
	// fileStore keeps the bytes of documents (SetFileStore); nil is the
	// database's own blob_chunks.
	fileStore blob.Store
	// afterFilePut, when set (by tests only), runs after the file store
	// wrote an upload's bytes and before its record is written.
	afterFilePut func(orgID, key string)
	// beforeBlobDelete, when set (by tests only), runs in the sweep's
	// transaction once it found a key named by nothing, just before it
	// deletes the bytes.
	beforeBlobDelete func(orgID, key string)
	// sweepKeys is, on SQLite, what the sweep holds while it deletes a
	// key's bytes from an outside store, outside the write lock, and an
	// upload takes to mark its key (blobsweep.go).
	sweepKeys sync.Mutex
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL
// selects PostgreSQL, anything else is a SQLite file path (optionally
// prefixed with sqlite: or file:). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &DB{logger: logger, Now: time.Now}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.dialect = Postgres
		var sdb *sql.DB
		sdb, err = sql.Open("pgx", dsn)
		d.db = &pool{DB: sdb}
		d.read = d.db
		if err == nil {
			d.db.SetMaxOpenConns(20)
			d.db.SetMaxIdleConns(10)
			d.db.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		d.dialect = SQLite
		d.writers = make(chan struct{}, 1)
		if err := registerSQLiteFunctions(); err != nil {
			return nil, err
		}
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if path == "" {
			return nil, fmt.Errorf("empty SQLite path")
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create data folder: %w", err)
			}
		}
		var sdb *sql.DB
		sdb, err = sql.Open("sqlite", sqliteDSN(path))
		d.db = &pool{DB: sdb, stmts: newStmtCache(stmtCacheSize), hints: true}
		if err == nil {
			// WAL lets readers run beside the one writer; a small pool
			// keeps writers from queueing on busy_timeout for long. Every
			// connection stays open: database/sql keeps two idle by
			// default, and each new SQLite connection runs its pragmas,
			// parses the whole schema and prepares its statements again
			// (under eight clients that was 38% of the CPU and most of
			// the light pages' p95, issue 15).
			d.db.SetMaxOpenConns(8)
			d.db.SetMaxIdleConns(8)
			var rdb *sql.DB
			rdb, err = sql.Open("sqlite", sqliteReadDSN(path))
			d.read = &pool{DB: rdb, stmts: newStmtCache(stmtCacheSize), hints: true}
			if err == nil {
				d.read.SetMaxOpenConns(8)
				d.read.SetMaxIdleConns(8)
			} else {
				d.db.Close()
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return d, nil
}

// sqliteFunctions registers, once per process, the functions SQLite must
// share with PostgreSQL for one SQL text to mean the same on both: lower()
// folding every letter, as PostgreSQL's does, not only A to Z (usernames,
// emails and searches are compared lower-cased, and Go lower-cases the
// other side). The driver registers functions for all its connections, so
// this is necessarily process-wide.
var sqliteFunctions struct {
	once sync.Once
	err  error
}

func registerSQLiteFunctions() error {
	sqliteFunctions.once.Do(func() {
		sqliteFunctions.err = sqlite.RegisterDeterministicScalarFunction("lower", 1,
			func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				switch v := args[0].(type) {
				case string:
					return strings.ToLower(v), nil
				case []byte:
					return strings.ToLower(string(v)), nil
				}
				return args[0], nil
			})
	})
	return sqliteFunctions.err
}

// sqliteDSN sets what every SQLite connection needs: foreign keys on, WAL,
// a busy timeout instead of immediate SQLITE_BUSY, IMMEDIATE transactions
// (so a read-then-write transaction cannot deadlock on lock upgrade), and
// times written in a form that sorts as text. The first GiB of the file is
// read through a memory map: each connection's page cache is 2 MB, and a
// list that walks a large table read most pages again through pread, a
// system call and a copy each (a quarter of the CPU of the sites CSV;
// list pages under eight clients gained 15-40% in throughput). The mapped
// pages are the kernel's page cache, shared and reclaimable; they count in
// the process's resident memory once touched (issue 15).
func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "mmap_size(1073741824)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

// sqliteReadDSN is sqliteDSN for the read pool: DEFERRED transactions,
// which take no lock until they read and never wait for the writer.
func sqliteReadDSN(path string) string {
	return strings.Replace(sqliteDSN(path), "_txlock=immediate", "_txlock=deferred", 1)
}

// Dialect reports the engine.
func (d *DB) Dialect() Dialect { return d.dialect }

// Close closes the database.
func (d *DB) Close() error {
	err := d.db.Close()
	if d.read != d.db {
		if e := d.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Ping checks that the database answers (/readyz).
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// SQL exposes the pool to tests and to benchmarks that need raw access.
func (d *DB) SQL() *sql.DB { return d.db.DB }

// migrationsFS returns the migrations rewritten for the engine.
func (d *DB) migrationsFS() fs.FS {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return dialectFS{fs: sub, dialect: d.dialect}
}

// Migrate applies the pending migrations, each in its own transaction.
// On PostgreSQL a session lock keeps two instances starting at once from
// running them twice. A run on an up-to-date database does nothing.
func (d *DB) Migrate(ctx context.Context) error {
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(tallyMigrations(d.dialect)...)}
	dialect := goose.DialectSQLite3
	if d.dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, d.db.DB, d.migrationsFS(), opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		d.logger.Info("migration applied", "version", r.Source.Version, "duration", r.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if d.dialect == SQLite {
		// On every start, not only after a migration ran: a run stopped
		// between a migration and its ANALYZE leaves nothing pending, and
		// the check costs two reads of the schema.
		return d.analyzeUnmeasured(ctx)
	}
	return nil
}

// analyzeUnmeasured gives SQLite statistics for the indexes a migration
// made on tables it had measured before. SQLite takes an index without
// statistics for a very selective one: after 00130 a big parent's
// dashboard walked jobs_newest and sorted 200,000 jobs (0.5 s) instead of
// reading jobs_updated in order. A database never measured (ANALYZE is
// run by the generator and the operator) keeps SQLite's defaults, which
// treat every index alike, and so does a table measured empty (ANALYZE
// records no figures for its indexes, so it would be measured again at
// every start). The whole table is read, as the generator's
// ANALYZE does, so the new figures match the old (0.3 s for 200,000 jobs;
// a sample would make every index of the table look alike again).
func (d *DB) analyzeUnmeasured(ctx context.Context) error {
	var measured int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&measured); err != nil || measured == 0 {
		return err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT m.tbl_name FROM sqlite_master m
		WHERE m.type = 'index' AND m.tbl_name IN (SELECT tbl FROM sqlite_stat1 WHERE stat NOT LIKE '0 %' AND stat <> '0')
		AND m.name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL) ORDER BY m.tbl_name`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(tables) == 0 {
		return err
	}
	for _, t := range tables {
		start := time.Now()
		if _, err := d.db.ExecContext(ctx, `ANALYZE "`+strings.ReplaceAll(t, `"`, `""`)+`"`); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
		d.logger.Info("statistics measured for new indexes", "table", t, "duration", time.Since(start))
	}
	return nil
}

// planned is the querier for a read whose best plan depends on its
// values when byValue holds, and the pool otherwise. pgx prepares every
// statement, and after five runs PostgreSQL may keep one generic plan for
// all values; for most of the store's queries that plan is right and saves
// planning (about 1 ms a scoped query), but a query whose best plan depends
// on a value gets a querier that sends its statements unnamed
// (pgx.QueryExecModeExec): PostgreSQL plans an unnamed statement for the
// values bound to it, every time, in one round trip. Such reads:
//   - a time range (a big parent's next appointments: 33 ms walking every
//     past appointment in start order under the generic plan, 3 ms planned
//     for now);
//   - a search's words: a postcode matches a few rows, found by the text
//     index; a street name or a common surname thousands, better read in
//     the list's order (a contact page's site search: 34-51 ms on average
//     under the generic plan, 4-10 ms planned for its words).
//
// It replaces a READ ONLY transaction with plan_cache_mode
// force_custom_plan, which cost three more round trips (issue 15). SQLite
// plans each statement when it is prepared, with no values either, but
// picks by index only.
func (d *DB) planned(byValue bool) workQuerier {
	if !byValue || d.dialect != Postgres {
		return d.db
	}
	return valuePlans{d.db}
}

// valuePlans is the pool sending its statements unnamed (planned).
type valuePlans struct{ p *pool }

func (v valuePlans) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	v.p.observed(query, args)
	return v.p.DB.QueryContext(ctx, query, append([]any{pgx.QueryExecModeExec}, args...)...)
}

// searching reports whether a list's search holds words (planned).
func searching(search string) bool { return strings.TrimSpace(search) != "" }

// MigrationsHash identifies the schema: tests keep one migrated template
// database per hash.
func MigrationsHash() string {
	h := sha256.New()
	entries, _ := fs.ReadDir(migrationFS, "migrations")
	for _, e := range entries {
		b, _ := fs.ReadFile(migrationFS, "migrations/"+e.Name())
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	h.Write([]byte(tallySQL())) // the Go migration's SQL
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Tx is a transaction with the time it began, so every row written in it
// carries the same timestamp.
type Tx struct {
	*sql.Tx
	db  *DB
	p   *pool // the pool it runs on, for its cached statements
	now time.Time
	// orgChanged is set by a write to an organisation or its settings:
	// the organisation cache is emptied when the transaction commits.
	orgChanged bool
	// ctx is the transaction's context, for the work Commit does first.
	ctx context.Context
	// tallies are the customers whose tallies Commit recounts (tallies.go).
	tallies map[string]bool
	// gate is the DB's writers gate this transaction holds (SQLite), let
	// go once by Commit or Rollback.
	gate chan struct{}
}

// BeginTx starts a transaction. On SQLite it first waits its turn at the
// writers gate, or until ctx ends.
func (d *DB) BeginTx(ctx context.Context) (*Tx, error) {
	if d.writers != nil {
		select {
		case d.writers <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		if d.writers != nil {
			<-d.writers
		}
		return nil, err
	}
	return &Tx{Tx: tx, db: d, p: d.db, ctx: ctx, now: d.Now().UTC().Truncate(time.Microsecond), gate: d.writers}, nil
}

// release lets go of the writers gate, once.
func (tx *Tx) release() {
	if tx.gate != nil {
		<-tx.gate
		tx.gate = nil
	}
}

// Rollback ends the transaction without its writes (a no-op error after
// Commit, as database/sql's) and lets go of the writers gate.
func (tx *Tx) Rollback() error {
	defer tx.release()
	return tx.Tx.Rollback()
}

// Commit recounts the tallies of the customers whose records the
// transaction wrote (tallies.go), commits and, if it changed an
// organisation or its settings, empties the organisation cache.
func (tx *Tx) Commit() error {
	defer tx.release()
	if len(tx.tallies) > 0 {
		if tx.db.beforeRecount != nil {
			tx.db.beforeRecount()
		}
		if err := tx.recountTallies(tx.ctx); err != nil {
			tx.Tx.Rollback()
			return err
		}
	}
	err := tx.Tx.Commit()
	if tx.orgChanged {
		tx.db.orgs.invalidate()
	}
	return err
}

// readTx starts a transaction for reads only (a Find*ByID whose helpers
// take a *Tx): on SQLite on the read pool, so it does not wait for the
// write lock behind writers; on PostgreSQL as READ ONLY. Only Rollback it.
func (d *DB) readTx(ctx context.Context) (*Tx, error) {
	var opts *sql.TxOptions
	if d.dialect == Postgres {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	tx, err := d.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, db: d, p: d.read, ctx: ctx, now: d.Now().UTC().Truncate(time.Microsecond)}, nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (d *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := d.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// now returns the store's clock in UTC at the precision both engines keep.
func (d *DB) now() time.Time { return d.Now().UTC().Truncate(time.Microsecond) }

// PoolStats reads the connection pool's statistics, for the metrics.
func (d *DB) PoolStats() sql.DBStats { return d.db.Stats() }

// newID returns a new opaque, time-ordered id (UUIDv7).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// NewID returns a new id for callers that must know it before insert
// (documents stored before their row).
func NewID() string { return newID() }

// sqlErr turns driver errors into application errors where they have a
// meaning for the user (a duplicate), and leaves the rest as internal.
func sqlErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fieldportal.NotFound(what)
	}
	msg := err.Error()
	if strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") {
		return fieldportal.Errorf(fieldportal.ECONFLICT, "%s already exists.", capitalise(what))
	}
	if strings.Contains(msg, "FOREIGN KEY constraint failed") || strings.Contains(msg, "SQLSTATE 23503") {
		return fieldportal.Errorf(fieldportal.EINVALID, "%s refers to a record that does not exist.", capitalise(what))
	}
	return err
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
