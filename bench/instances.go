package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/fieldportal/fieldportal/console"
	"github.com/fieldportal/fieldportal/server"
	"github.com/fieldportal/fieldportal/web"
)

// instances are the site's servers of one run: one by default, or
// several on one PostgreSQL database (issue 15, point 7), each with the
// services, pool and caches a `serve` process of its own would have. The
// load sends each request to the next instance in turn, so every
// client's session, made on the first, is used on all of them.
type instances struct {
	bases  []string
	served []atomic.Int64 // requests each instance's handler answered
	next   atomic.Uint64
	stop   []func()
}

// startInstances listens on cfg.Instances loopback ports and serves a
// site on each. The first instance's services, returned, are those the
// run signs in with, discovers records with and times the SQL on.
func startInstances(ctx context.Context, cfg Config) (*instances, server.Services, error) {
	in := &instances{served: make([]atomic.Int64, cfg.Instances)}
	var first server.Services
	for i := range cfg.Instances {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			in.close()
			return nil, first, err
		}
		base := "http://" + ln.Addr().String()
		var svc server.Services
		if i == 0 {
			svc = cfg.Services(base)
			first = svc
		} else {
			var closeSvc func() error
			svc, closeSvc, err = cfg.Instance(ctx, base)
			if err != nil {
				ln.Close()
				in.close()
				return nil, first, fmt.Errorf("instance %d: %w", i+1, err)
			}
			in.stop = append(in.stop, func() { closeSvc() })
		}
		// The site logs every request at info level, as `serve` does, so
		// the cost of logging is measured; the lines themselves are
		// dropped.
		logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
		site, err := server.New(server.Config{Web: web.Config{BaseURL: base}, Console: console.Config{},
			APIRateLimit: 1 << 30}, svc, logger)
		if err != nil {
			ln.Close()
			in.close()
			return nil, first, err
		}
		h := site.Handler()
		n := &in.served[i]
		hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			h.ServeHTTP(w, r)
		}), ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(ln)
		// The server stops before the pool under it closes.
		in.stop = append([]func(){func() { hs.Close() }}, in.stop...)
		in.bases = append(in.bases, base)
	}
	return in, first, nil
}

// base is the base URL of the instance the next request goes to.
func (in *instances) base() string {
	return in.bases[(in.next.Add(1)-1)%uint64(len(in.bases))]
}

// counts is how many requests each instance has answered so far.
func (in *instances) counts() []int {
	out := make([]int, len(in.served))
	for i := range in.served {
		out[i] = int(in.served[i].Load())
	}
	return out
}

// close stops every server, then closes the further instances' services.
func (in *instances) close() {
	for _, f := range in.stop {
		f()
	}
}
