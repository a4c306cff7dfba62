package sqlstore

import (
	"bytes"
	"io"
	"io/fs"
	"regexp"
)

// Dialect is the database engine. The SQL text is one for both; the
// dialect covers the few places they differ.
type Dialect int

// The engines.
const (
	SQLite Dialect = iota
	Postgres
)

// String names the engine (test names use it: "sqlite", "postgres").
func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// skipLocked is appended to a claiming SELECT: PostgreSQL lets concurrent
// workers skip each other's rows; SQLite has one writer at a time anyway.
func (d Dialect) skipLocked() string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// forUpdate is appended to a SELECT of a row the transaction is about to
// change: PostgreSQL locks it now; SQLite's writer holds the whole file.
func (d Dialect) forUpdate() string {
	if d == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// forNoKeyUpdate is forUpdate for a change that leaves the row's keys
// alone: it does not wait for the rows that only refer to it (their
// foreign key checks hold KEY SHARE), as FOR UPDATE would.
func (d Dialect) forNoKeyUpdate() string {
	if d == Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// forShare is appended to a SELECT of a row that must not change until
// the transaction ends (others may read and share it).
func (d Dialect) forShare() string {
	if d == Postgres {
		return " FOR SHARE"
	}
	return ""
}

// keyLock is a statement that makes transactions taking the same key ($1)
// wait for each other until they end: a transaction-level advisory lock
// on PostgreSQL; "" on SQLite, whose IMMEDIATE transactions already run
// one writer at a time from their start.
func (d Dialect) keyLock() string {
	if d == Postgres {
		return `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`
	}
	return ""
}

// keyLockShared is keyLock taken shared: transactions taking it run
// together, and wait for (or hold off) one taking keyLock.
func (d Dialect) keyLockShared() string {
	if d == Postgres {
		return `SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`
	}
	return ""
}

// timestamptz matches the type name that SQLite must see as TIMESTAMP,
// the only spelling its driver parses back into time.Time.
var timestamptz = regexp.MustCompile(`\bTIMESTAMPTZ\b`)

// ddl rewrites migration text written for PostgreSQL for the engine.
func (d Dialect) ddl(src []byte) []byte {
	if d == Postgres {
		return src
	}
	src = timestamptz.ReplaceAll(src, []byte("TIMESTAMP"))
	return bytes.ReplaceAll(src, []byte("BYTEA"), []byte("BLOB"))
}

// dialectFS serves the embedded migrations rewritten for one engine.
type dialectFS struct {
	fs      fs.FS
	dialect Dialect
}

func (f dialectFS) Open(name string) (fs.File, error) {
	file, err := f.fs.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := file.Stat()
	if err != nil || st.IsDir() {
		return file, err
	}
	defer file.Close()
	b, err := io.ReadAll(file)
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(f.dialect.ddl(b)), info: st}, nil
}

func (f dialectFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(f.fs, name) }

type memFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memFile) Close() error               { return nil }
