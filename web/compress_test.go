package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testChain serves h behind the kit's middleware as Handler composes it
// (without the routes and the cross-origin check).
func testChain(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	return testChainOf(t, testKit(t), h)
}

// testKit is a kit with its error page, logging nowhere.
func testKit(t *testing.T) *Kit {
	t.Helper()
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{logger: slog.New(slog.DiscardHandler), mux: http.NewServeMux(), assets: assets, metrics: newMetrics(nil, nil)}
	if k.errors, err = k.ParsePages(kitTemplates, "templates/error.html"); err != nil {
		t.Fatal(err)
	}
	return k
}

// testChainOf is testChain with the kit's own helpers in h.
func testChainOf(t *testing.T, k *Kit, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(k.logRequests(k.securityHeaders(compress(k.recoverPanics(h)))))
	t.Cleanup(srv.Close)
	return srv
}

// get asks for path, taking gzip when gz, and returns the response with
// its body decoded as sent (the transport does not undo the gzip).
func get(t *testing.T, srv *httptest.Server, gz bool) (*http.Response, io.Reader) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("Accept-Encoding", "identity")
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if !gz {
		if res.Header.Get("Content-Encoding") != "" {
			t.Fatalf("encoded for a client that takes none: %v", res.Header)
		}
		return res, res.Body
	}
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("not gzipped: %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, zr
}

// A streaming handler's Flush reaches the client also through the gzip
// writer: what was written before it can be read while the handler waits.
func TestCompressFlush(t *testing.T) {
	for _, gz := range []bool{true, false} {
		read := make(chan struct{})
		var gaveUp atomic.Bool
		srv := testChain(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			io.WriteString(w, "first line\n")
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush: %v", err)
			}
			gaveUp.Store(waitOrGiveUp(read))
			io.WriteString(w, "second line\n")
		})
		_, body := get(t, srv, gz)
		line, _ := bufio.NewReader(body).ReadString('\n')
		if line != "first line\n" {
			t.Errorf("gzip %v: first line %q", gz, line)
		}
		if gaveUp.Load() {
			t.Errorf("gzip %v: the flushed line reached the client only after the handler went on", gz)
		}
		close(read)
	}
}

// streamWait is how long a streaming test's handler waits for the client
// to read what it flushed before it goes on anyway, so that a broken
// flush ends the test instead of hanging it. A deadline for a loaded
// machine, not a speed test: the test fails when the client's read came
// only after the handler gave up (waitOrGiveUp's result), not when it was
// slow.
const streamWait = 60 * time.Second

// waitOrGiveUp waits until read is closed, or streamWait has passed, and
// reports the latter.
func waitOrGiveUp(read <-chan struct{}) bool {
	select {
	case <-read:
		return false
	case <-time.After(streamWait):
		return true
	}
}

// Text is compressed at gzip's fastest level: a CSV streams at four
// times the default level's speed, and a page's compression cost less
// than half (the default level clears 640 KB of tables per response) for
// 6-12% more bytes (issue 15). The gzip header's XFL byte tells: 4 for
// the fastest, 0 for the default.
func TestCompressLevel(t *testing.T) {
	for _, tc := range []struct {
		name, contentType string
		xfl               byte
	}{
		{"CSV", "text/csv; charset=utf-8", 4},
		{"page", "text/html; charset=utf-8", 4},
		{"JSON", "application/json", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testChain(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				io.WriteString(w, strings.Repeat("\"a\",\"b\"\r\n", 100))
			})
			req, _ := http.NewRequest("GET", srv.URL+"/", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, err := io.ReadAll(res.Body)
			if err != nil || len(raw) < 10 {
				t.Fatalf("body %q, %v", raw, err)
			}
			if raw[8] != tc.xfl {
				t.Errorf("XFL = %d, want %d", raw[8], tc.xfl)
			}
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if body, err := io.ReadAll(zr); err != nil || len(body) != 900 {
				t.Errorf("decoded %d bytes, %v", len(body), err)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"":                   false,
		"gzip":               true,
		"gzip, deflate, br":  true,
		"br;q=1.0, gzip;q=0": false,
		"gzip;q=0.5":         true,
		"*":                  true,
		"*;q=0, gzip":        true,
		"gzip;q=0, *":        false,
		"identity":           false,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", h, got, want)
		}
	}
}
