// Package sqltest gives every test a fresh, migrated database on each
// engine. PostgreSQL comes from FIELDPORTAL_TEST_POSTGRES_URL (default:
// postgres@127.0.0.1:5432, the test script starts it); a test fails, never
// skips, when it cannot get one. Each PostgreSQL test database is a copy of
// a template migrated once per schema version, so a fresh database costs a
// CREATE DATABASE, not a migration run.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// Engines lists the engines every store test runs on.
var Engines = []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres}

// Each runs fn as a subtest per engine, named "sqlite" and "postgres",
// each with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(e.String(), func(t *testing.T) {
			fn(t, MustOpen(t, e))
		})
	}
}

// MustOpen returns a fresh migrated database of the engine, closed and
// dropped when the test ends.
func MustOpen(tb testing.TB, engine sqlstore.Dialect) *sqlstore.DB {
	tb.Helper()
	if engine == sqlstore.SQLite {
		return MustOpenURL(tb, filepath.Join(tb.TempDir(), "test.db"))
	}
	return MustOpenURL(tb, MustPostgresDatabase(tb))
}

// MustOpenURL opens and migrates the database at dsn.
func MustOpenURL(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, nil)
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate test database: %v", err)
	}
	return db
}

// PostgresURL is the server the tests use.
func PostgresURL() string {
	if u := os.Getenv("FIELDPORTAL_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// MustPostgresDatabase creates a fresh database copied from the migrated
// template and returns its URL; it is dropped when the test ends.
func MustPostgresDatabase(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", PostgresURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		tb.Fatalf("PostgreSQL is required for the tests and is not reachable at %s: %v (run ./scripts/test, which starts it)", redact(PostgresURL()), err)
	}
	defer admin.Close()
	tmpl := mustTemplate(tb, admin)
	name := "fp_test_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			return
		}
		defer a.Close()
		a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(PostgresURL(), name)
}

// mustTemplate returns the name of the template database for the current
// schema, building it once under an advisory lock (test binaries of several
// packages run at the same time).
func mustTemplate(tb testing.TB, admin *sql.DB) string {
	tb.Helper()
	ctx := context.Background()
	name := "fp_tmpl_" + sqlstore.MigrationsHash()
	conn, err := admin.Conn(ctx)
	if err != nil {
		tb.Fatalf("template: %v", err)
	}
	defer conn.Close()
	h := fnv.New64a()
	h.Write([]byte(name))
	key := int64(h.Sum64() >> 1)
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		tb.Fatalf("template lock: %v", err)
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", key)
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		tb.Fatalf("template: %v", err)
	}
	if exists {
		return name
	}
	build := name + "_build"
	conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+build); err != nil {
		tb.Fatalf("template: %v", err)
	}
	db, err := sqlstore.Open(ctx, withDatabase(PostgresURL(), build), nil)
	if err != nil {
		tb.Fatalf("template: %v", err)
	}
	err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		tb.Fatalf("template migrate: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+build+" RENAME TO "+name); err != nil {
		tb.Fatalf("template rename: %v", err)
	}
	return name
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("bad PostgreSQL URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
