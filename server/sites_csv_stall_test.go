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

// stalledWriter is a client that stops reading once the download began.
type stalledWriter struct {
	header  http.Header
	once    sync.Once
	started chan<- struct{}
	release <-chan struct{}
}

func (w *stalledWriter) Header() http.Header { return w.header }
func (w *stalledWriter) WriteHeader(int)     {}
func (w *stalledWriter) Flush()              {}
func (w *stalledWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { w.started <- struct{}{} })
	<-w.release
	return len(b), nil
}

// stallWait bounds the waits of the stalled-download tests: a deadline for
// a loaded machine (CI's race run is ten times slower than alone), not a
// speed test. The stalled downloads last until the test ends, so a
// download that held its connection would keep the downloads past the
// pool from beginning, or the page from getting a connection before its
// context ends: either wait fails, however long it is.
const stallWait = 60 * time.Second

// Downloads whose clients stopped reading hold no database connection: a
// page beside twenty of them answers at once (found by review: each held
// a read transaction, and twenty took PostgreSQL's whole pool).
func TestSitesCSVStalledClients(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
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
				req := httptest.NewRequest("GET", "/sites.csv", nil)
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
		req := httptest.NewRequest("GET", "/sites/"+f.site["hq"].ID, nil).WithContext(ctx)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		t.Logf("the page beside them answered in %v", time.Since(start).Round(time.Millisecond))
		if rec.Code != http.StatusOK {
			t.Errorf("a site page beside %d stalled downloads: status %d after %s, want 200 before the stalled downloads end",
				got, rec.Code, time.Since(start).Round(time.Millisecond))
		}
	})
}
