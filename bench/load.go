package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// newClient is the load's HTTP client: keep-alive connections enough for
// the concurrency, and no transparent decompression, so the bytes counted
// are those on the wire and the client spends no CPU inflating them (as
// wrk does not); each request still says it accepts gzip, as browsers do.
func newClient(concurrency int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DisableCompression:  true,
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: 2 * concurrency,
		IdleConnTimeout:     time.Minute,
	}, Timeout: time.Minute}
}

// sample is one response of a page, as the bare handler replays it.
type sample struct {
	status      int
	contentType string
	encoding    string // Content-Encoding on the wire
	wire        []byte // the body as sent
	plain       int    // bytes once decompressed
}

// authorize puts a session's credential on a request: a bearer token
// (an API key) in Authorization, else a cookie.
func authorize(req *http.Request, cred string) {
	switch {
	case strings.HasPrefix(cred, "Bearer "):
		req.Header.Set("Authorization", cred)
	case cred != "":
		req.Header.Set("Cookie", cred)
	}
}

// fetch gets url once with the session cookie and keeps the response.
func fetch(ctx context.Context, c *http.Client, url, cookie string) (*sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	authorize(req, cookie)
	res, err := noRedirect(c).Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	s := &sample{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), encoding: res.Header.Get("Content-Encoding")}
	if s.wire, err = io.ReadAll(res.Body); err != nil {
		return nil, err
	}
	s.plain = len(s.wire)
	if s.encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(s.wire))
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		n, err := io.Copy(io.Discard, zr)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		s.plain = int(n)
	}
	return s, nil
}

// Load is what driving one URL measured.
type Load struct {
	// Requests answered 200, and Errors: failures and other statuses.
	Requests, Errors int
	Elapsed          time.Duration
	latencies        []time.Duration // sorted
	firstError       string
}

// ReqPerSec is the throughput over the whole run.
func (l *Load) ReqPerSec() float64 {
	if l.Elapsed <= 0 {
		return 0
	}
	return float64(l.Requests) / l.Elapsed.Seconds()
}

// Percentile is the p-th percentile latency (nearest rank).
func (l *Load) Percentile(p float64) time.Duration {
	if len(l.latencies) == 0 {
		return 0
	}
	i := int(float64(len(l.latencies))*p/100+0.5) - 1
	return l.latencies[min(max(i, 0), len(l.latencies)-1)]
}

// drive requests url() from concurrency workers, each one request after
// another, for d; only answers with status 200 count as requests. url is
// asked before every request, so that requests can go to several
// instances in turn.
func drive(ctx context.Context, c *http.Client, url func() string, cookie string, concurrency int, d time.Duration) *Load {
	type worker struct {
		lat   []time.Duration
		errs  int
		first string
	}
	ws := make([]worker, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range ws {
		w := &ws[i]
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				err := get(ctx, c, url(), cookie)
				if err != nil {
					w.errs++
					if w.first == "" {
						w.first = err.Error()
					}
					continue
				}
				w.lat = append(w.lat, time.Since(t0))
			}
		})
	}
	wg.Wait()
	l := &Load{Elapsed: time.Since(start)}
	for _, w := range ws {
		l.latencies = append(l.latencies, w.lat...)
		l.Errors += w.errs
		if l.firstError == "" {
			l.firstError = w.first
		}
	}
	l.Requests = len(l.latencies)
	slices.Sort(l.latencies)
	return l
}

// get makes one request and reads the whole answer, as a browser would.
func get(ctx context.Context, c *http.Client, url, cookie string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	authorize(req, cookie)
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, res.Status)
	}
	return nil
}

// bare is the machine's ceiling: a plain net/http server that answers
// each path with a response kept in memory, the same bytes and headers a
// page sent, so the only work left is net/http's and the client's.
type bare struct {
	mu    sync.RWMutex
	pages map[string]*sample
	srv   *http.Server
	url   string
}

// startBare listens on a loopback port.
func startBare() (*bare, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &bare{pages: map[string]*sample{}, url: "http://" + ln.Addr().String()}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	return b, nil
}

// set serves s at path.
func (b *bare) set(path string, s *sample) {
	b.mu.Lock()
	b.pages[path] = s
	b.mu.Unlock()
}

// ServeHTTP writes the kept response.
func (b *bare) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.RLock()
	s := b.pages[r.URL.Path]
	b.mu.RUnlock()
	if s == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", s.contentType)
	if s.encoding != "" {
		h.Set("Content-Encoding", s.encoding)
	}
	w.Write(s.wire)
}

// close stops the bare server.
func (b *bare) close() { b.srv.Close() }
