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
		for wait := time.After(5 * time.Second); got < n; got++ {
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
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req := httptest.NewRequest("GET", "/sites/"+f.site["hq"].ID, nil).WithContext(ctx)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || time.Since(start) > 4*time.Second {
			t.Errorf("a site page beside %d stalled downloads: status %d after %s, want 200 at once",
				got, rec.Code, time.Since(start).Round(time.Millisecond))
		}
	})
}
