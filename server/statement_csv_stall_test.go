package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Statement downloads whose clients stopped reading hold no database
// connection nor snapshot: the statement's page beside twenty of them
// answers at once (found by review: the CSV was written from inside
// EachStatementEntry's read transaction, so eight stalled downloads took
// SQLite's whole read pool).
func TestStatementCSVStalledClients(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newStatementFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		session := b.session()
		h := f.s.Handler()
		const n = 20
		release := make(chan struct{})
		started := make(chan struct{}, n)
		var wg sync.WaitGroup
		began := time.Now()
		for range n {
			wg.Go(func() {
				defer func() { recover() }() // an aborted download panics with http.ErrAbortHandler
				req := httptest.NewRequest("GET", "/statement.csv"+statementRange, nil)
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
				h.ServeHTTP(&stalledWriter{header: http.Header{}, started: started, release: release}, req)
			})
		}
		defer func() { close(release); wg.Wait() }()
		got := 0
		for wait := time.After(stallWait); got < n; got++ {
			select {
			case <-started:
				continue
			case <-wait:
			}
			break
		}
		if got < n {
			t.Fatalf("only %d of %d downloads began", got, n)
		}
		t.Logf("%d downloads began in %v", n, time.Since(began).Round(time.Millisecond))
		ctx, cancel := context.WithTimeout(context.Background(), stallWait)
		defer cancel()
		req := httptest.NewRequest("GET", "/statement"+statementRange, nil).WithContext(ctx)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		t.Logf("the page beside them answered in %v", time.Since(start).Round(time.Millisecond))
		if rec.Code != http.StatusOK {
			t.Errorf("the statement beside %d stalled downloads: status %d after %s, want 200 before the stalled downloads end",
				got, rec.Code, time.Since(start).Round(time.Millisecond))
		}
	})
}
