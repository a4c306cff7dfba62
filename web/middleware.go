package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/fieldportal/fieldportal"
)

// ContentSecurityPolicy allows only our own scripts, styles and fonts: no
// inline script, so an injected tag cannot run even if escaping failed.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the browser protections on every response, errors
// included, before the handler writes anything.
func (k *Kit) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One array holds every value (Header.Set allocated a slice for
		// each, a tenth of the kit's allocations, issue 15); each header
		// gets a slice of it with no room to append into its neighbour.
		// The keys are in canonical form, as Set would write them.
		v := [...]string{ContentSecurityPolicy, "nosniff",
			// same-origin: links in pages (reset tokens, document ids)
			// never leak to other sites through the Referer header.
			"same-origin", "DENY", "same-origin", "camera=(), microphone=(), geolocation=(), usb=()",
			// No includeSubDomains: the operator's other sites are not
			// ours to pin.
			"max-age=31536000"}
		h := w.Header()
		h["Content-Security-Policy"] = v[0:1:1]
		h["X-Content-Type-Options"] = v[1:2:2]
		h["Referrer-Policy"] = v[2:3:3]
		h["X-Frame-Options"] = v[3:4:4]
		h["Cross-Origin-Opener-Policy"] = v[4:5:5]
		h["Permissions-Policy"] = v[5:6:6]
		if k.hsts {
			h["Strict-Transport-Security"] = v[6:7:7]
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler's panic into a logged fault and a generic
// 500 page, so one bad request neither kills the process nor shows a stack
// trace or the panic value to the user. After the response has begun it
// aborts it instead (http.ErrAbortHandler), so the client sees it fail.
func (k *Kit) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the server's own way of aborting a response
			}
			k.logger.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "route", k.routeFor(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec.status == 0 {
				k.Error(rec, r, fieldportal.Errorf(fieldportal.EINTERNAL, "Something went wrong on our side. Please try again."))
				return
			}
			// The response has begun and can no longer become an error
			// page. Ending it normally would hand the client a cut-off
			// body that looks complete (a download short of rows, with
			// gzip even a valid trailer): break the connection instead.
			panic(http.ErrAbortHandler)
		}()
		next.ServeHTTP(rec, r)
	})
}

// logRequests logs one line per request: method, route pattern, status,
// duration and bytes. Never the query string or the raw path, which may
// carry tokens, and never bodies. Probes log at debug so they do not bury
// real traffic.
func (k *Kit) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		route := k.routeFor(r)
		level := slog.LevelInfo
		if route == "GET /healthz" || route == "GET /readyz" {
			level = slog.LevelDebug
		}
		took := time.Since(start)
		k.metrics.observe(route, status, took)
		k.logger.Log(r.Context(), level, "request",
			"method", r.Method, "route", route, "status", status,
			"duration", took, "bytes", rec.bytes)
	})
}

// routeFor returns the pattern the mux matches for r, whether or not the
// request got that far (a refused cross-origin request did not).
func (k *Kit) routeFor(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	if _, p := k.mux.Handler(r); p != "" {
		return p
	}
	return "(unmatched)"
}

// recorder notes the status and size of a response for the middleware.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the middleware.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	http.NewResponseController(r.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
