package sqlstore

import (
	"container/list"
	"context"
	"database/sql"
	"regexp"
	"strings"
	"sync"
)

// stmtCacheSize bounds the prepared statements kept per database. The
// query builder composes texts from fragments (filters, sort orders, page
// sizes), so the distinct texts are many but finite; the least recently
// used is closed when the bound is reached. Each statement is prepared
// lazily once per pooled connection by database/sql.
const stmtCacheSize = 256

// pool is the connection pool with, on SQLite, the statements it has
// prepared kept by SQL text: preparing the same text on every call was
// about half of the CPU of a portal page (issue 15). On PostgreSQL the pgx
// driver already caches prepared statements per connection
// (QueryExecModeCacheStatement, 512 a connection), so stmts is nil there
// and calls go straight to the pool.
type pool struct {
	*sql.DB
	stmts *stmtCache
	// observe, when set, is told every query's text and arguments before
	// it runs. Only tests set it (export_test.go: the query plans test
	// collects the store's queries to EXPLAIN them); it is set before the
	// pool is used and never changed while queries run.
	observe func(query string, args []any)
	// hints opens the sqliteOnly comments of every text (SQLite's pools).
	hints bool
}

// sqliteOnly wraps SQL that only SQLite must see (an INDEXED BY) in a
// comment that SQLite's pools open before the text runs and PostgreSQL
// reads as a comment. It is for fragments the query builder writes
// without knowing the engine, such as the scope's lookup of a record's
// site; code that has the DB at hand uses Dialect.walkIndex.
func sqliteOnly(sql string) string { return " /*sqlite " + sql + " */" }

// sqliteHint matches what sqliteOnly writes.
var sqliteHint = regexp.MustCompile(`/\*sqlite (.*?) \*/`)

// openHints is query with its sqliteOnly comments opened.
func openHints(query string) string {
	if !strings.Contains(query, "/*sqlite ") {
		return query
	}
	return sqliteHint.ReplaceAllString(query, "$1")
}

// text is the query as this pool runs it: with the sqliteOnly comments
// opened on SQLite, as they are. A cached statement is prepared from it
// once (stmtCache.get), so the rewrite runs only for a text not yet
// prepared: on every query it took 1.3% of a busy dashboard's CPU.
func (p *pool) text(query string) string {
	if !p.hints {
		return query
	}
	return openHints(query)
}

// observed reports a query to observe, if set.
func (p *pool) observed(query string, args []any) {
	if p.observe != nil {
		p.observe(p.text(query), args)
	}
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	p.observed(query, args)
	if s, done := p.stmts.get(ctx, p.DB, query); s != nil {
		defer done()
		return s.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, p.text(query), args...)
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	p.observed(query, args)
	if s, done := p.stmts.get(ctx, p.DB, query); s != nil {
		defer done()
		return s.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, p.text(query), args...)
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s, done := p.stmts.get(ctx, p.DB, query); s != nil {
		defer done()
		return s.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, p.text(query), args...)
}

// Close closes the cached statements, then the pool.
func (p *pool) Close() error {
	p.stmts.closeAll()
	return p.DB.Close()
}

// QueryContext runs a query in the transaction with the pool's cached
// statement for the text, bound to the transaction's connection.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	tx.p.observed(query, args)
	if s, done := tx.p.stmts.cached(tx.p.DB, query); s != nil {
		defer done()
		return tx.Tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, tx.p.text(query), args...)
}

// QueryRowContext is QueryContext for one row.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	tx.p.observed(query, args)
	if s, done := tx.p.stmts.cached(tx.p.DB, query); s != nil {
		defer done()
		return tx.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, tx.p.text(query), args...)
}

// ExecContext runs a statement in the transaction with the cached statement.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s, done := tx.p.stmts.cached(tx.p.DB, query); s != nil {
		defer done()
		return tx.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, tx.p.text(query), args...)
}

// stmtCache is a bounded LRU of prepared statements keyed by SQL text. A
// statement in use when it is evicted is closed when its last user is done
// (database/sql itself keeps it open until rows read from it are closed).
// An evicted statement is closed on its own goroutine: closing takes the
// lock of every connection it was prepared on, and one of them may be
// waiting (busy_timeout) for the write lock this caller's transaction
// holds, which would stall both until the timeout.
type stmtCache struct {
	mu     sync.Mutex
	max    int
	lru    *list.List // of *stmtEntry, most recent first
	byText map[string]*list.Element
	closed bool
	// preparing are the texts being prepared for transactions (cached),
	// on the goroutines background counts: closeAll waits for them, so
	// none holds a connection after the pool is closed.
	preparing  map[string]bool
	background sync.WaitGroup
}

type stmtEntry struct {
	text    string
	stmt    *sql.Stmt
	users   int
	evicted bool
}

func newStmtCache(max int) *stmtCache {
	return &stmtCache{max: max, lru: list.New(), byText: map[string]*list.Element{}}
}

// cached is get for a transaction: it returns the statement only when it
// is already prepared. On a miss the transaction runs the text itself and
// the statement is prepared for next time on another goroutine: preparing
// takes a connection of the pool, and on SQLite every other connection may
// be waiting (busy_timeout) for the write lock this transaction holds, so
// waiting for one here would stall them all until the timeout (found by
// TestTalliesUnderConcurrentWrites: eight writers, eight connections).
func (c *stmtCache) cached(db *sql.DB, text string) (*sql.Stmt, func()) {
	if c == nil {
		return nil, nil
	}
	c.mu.Lock()
	if s, done := c.hitLocked(text); s != nil {
		c.mu.Unlock()
		return s, done
	}
	start := !c.closed && !c.preparing[text]
	if start {
		if c.preparing == nil {
			c.preparing = map[string]bool{}
		}
		c.preparing[text] = true
		c.background.Add(1)
	}
	c.mu.Unlock()
	if start {
		go func() {
			defer c.background.Done()
			if _, done := c.get(context.Background(), db, text); done != nil {
				done()
			}
			c.mu.Lock()
			delete(c.preparing, text)
			c.mu.Unlock()
		}()
	}
	return nil, nil
}

// hitLocked returns the cached statement for text, counted as in use,
// and the function that releases it; nil on a miss. c.mu is held.
func (c *stmtCache) hitLocked(text string) (*sql.Stmt, func()) {
	el, ok := c.byText[text]
	if !ok {
		return nil, nil
	}
	c.lru.MoveToFront(el)
	e := el.Value.(*stmtEntry)
	e.users++
	return e.stmt, func() { c.release(e) }
}

// get returns the statement for text, preparing it on a miss, and a
// function to call when the caller has started using it. It returns nil
// when there is no cache or the text does not prepare (the caller then
// runs the text directly, which reports the same error).
func (c *stmtCache) get(ctx context.Context, db *sql.DB, text string) (*sql.Stmt, func()) {
	if c == nil {
		return nil, nil
	}
	c.mu.Lock()
	if s, done := c.hitLocked(text); s != nil {
		c.mu.Unlock()
		return s, done
	}
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, nil
	}
	// The cache exists on SQLite only, whose texts run with their hints
	// opened (pool.text).
	s, err := db.PrepareContext(ctx, openHints(text))
	if err != nil {
		return nil, nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		s.Close()
		return nil, nil
	}
	if cached, done := c.hitLocked(text); cached != nil { // prepared meanwhile by another caller
		c.mu.Unlock()
		s.Close()
		return cached, done
	}
	e := &stmtEntry{text: text, stmt: s, users: 1}
	c.byText[text] = c.lru.PushFront(e)
	var evict []*sql.Stmt
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		oe := old.Value.(*stmtEntry)
		c.lru.Remove(old)
		delete(c.byText, oe.text)
		oe.evicted = true
		if oe.users == 0 {
			evict = append(evict, oe.stmt)
		}
	}
	c.mu.Unlock()
	for _, s := range evict {
		go s.Close()
	}
	return e.stmt, func() { c.release(e) }
}

func (c *stmtCache) release(e *stmtEntry) {
	c.mu.Lock()
	e.users--
	last := e.evicted && e.users == 0
	c.mu.Unlock()
	if last {
		go e.stmt.Close()
	}
}

// len reports the statements kept (tests).
func (c *stmtCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// closeAll closes every statement not in use and marks the rest to close
// when their users are done; the cache prepares nothing more.
func (c *stmtCache) closeAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	var idle []*sql.Stmt
	for el := c.lru.Front(); el != nil; el = el.Next() {
		e := el.Value.(*stmtEntry)
		e.evicted = true
		if e.users == 0 {
			idle = append(idle, e.stmt)
		}
	}
	c.lru.Init()
	clear(c.byText)
	c.mu.Unlock()
	for _, s := range idle {
		s.Close()
	}
	c.background.Wait()
}
