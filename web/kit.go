// Package web is the kit the customer portal, the staff console and the
// API are built from: the organisation found by host, server-side session
// cookies, rendering with the layout and the component templates, forms
// and their field errors, the error pages, static assets under hashed
// paths, security headers, compression, logs and metrics. It holds no
// page of its own and knows no store: the packages portal, console and api
// register their routes on a Kit, and cmd/fieldportal wires the services.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
)

// Config is what the kit needs to know about where it runs.
type Config struct {
	// BaseURL is the absolute URL the portal is reached at, such as
	// https://portal.example.com. An https URL turns on HSTS and Secure
	// cookies, and its origin is trusted by the cross-origin check even
	// when a proxy rewrites the Host header.
	BaseURL string
	// ReadyTimeout bounds the database ping of /readyz; zero means 2 s.
	ReadyTimeout time.Duration
	// TrustedProxies are the reverse proxies in front of the portal: for a
	// request from one of them, the client is the nearest untrusted address
	// of X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Now is the clock a request's time (RequestTime) is read from; nil
	// is time.Now. Tests pin it to show a page at a given moment.
	Now func() time.Time
}

// Deps are the services the kit itself uses.
type Deps struct {
	// Orgs finds the organisation of a request and its settings.
	Orgs fieldportal.OrganisationService
	// Ready answers /readyz.
	Ready fieldportal.Readiness
	// Pool and Outbox feed the metrics; either may be nil.
	Pool   PoolStats
	Outbox OutboxBacklog
}

// Kit is the shared HTTP machinery. Build it with New, let portal,
// console and api register their routes, then serve Handler.
type Kit struct {
	// errorsUnder answers the errors of requests under a path prefix in
	// another form than the error page (the API's problem details).
	errorsUnder map[string]func(http.ResponseWriter, *http.Request, error)
	// doors names the door of requests under a path prefix (DoorUnder).
	doors  map[string]fieldportal.Door
	cfg    Config
	orgs   fieldportal.OrganisationService
	ready  fieldportal.Readiness
	logger *slog.Logger
	mux    *http.ServeMux
	// patterns are the routes registered by Handle, in order: tests walk
	// them (no page opens with a sign-in's challenge alone, issue 21).
	patterns []string
	assets   map[string]staticAsset
	errors   *Pages
	// hsts and secureCookies follow an https base URL.
	hsts, secureCookies bool
	metrics             *metrics
	handler             http.Handler
	once                sync.Once
}

// New builds the kit. It fails on a bad Config, so a misconfiguration
// stops the program at start, not on the first request.
func New(cfg Config, d Deps, logger *slog.Logger) (*Kit, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 2 * time.Second
	}
	if d.Orgs == nil || d.Ready == nil {
		return nil, fmt.Errorf("web: the organisation service and the readiness check are required")
	}
	k := &Kit{cfg: cfg, orgs: d.Orgs, ready: d.Ready, logger: logger, mux: http.NewServeMux(), metrics: newMetrics(d.Pool, d.Outbox)}
	var err error
	if k.assets, err = loadAssets(); err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	if k.errors, err = k.ParsePages(kitTemplates, "templates/error.html"); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("web: base URL %q must be an absolute http or https URL", cfg.BaseURL)
		}
		k.hsts = u.Scheme == "https"
		k.secureCookies = k.hsts
	}
	k.HandleBare("GET /healthz", http.HandlerFunc(k.handleHealthz))
	k.HandleBare("GET /readyz", http.HandlerFunc(k.handleReadyz))
	k.HandleBare("GET /static/{hash}/{name}", http.HandlerFunc(k.handleStatic))
	k.Handle("GET /branding/logo/{sha}", k.handleLogo)
	k.HandleBare("GET /branding/theme/{file}", http.HandlerFunc(k.handleTheme))
	return k, nil
}

// Logger is the kit's logger, for the packages built on it.
func (k *Kit) Logger() *slog.Logger { return k.logger }

// Handle registers a route whose handler runs with the request's
// organisation in its context (see OrganisationFromContext), and only for
// an address whose path and query string are valid UTF-8 (validText).
func (k *Kit) Handle(pattern string, h http.HandlerFunc) {
	k.patterns = append(k.patterns, pattern)
	k.mux.Handle(pattern, k.validText(k.resolveOrganisation(h)))
}

// Patterns returns the routes registered by Handle, in order.
func (k *Kit) Patterns() []string { return slices.Clone(k.patterns) }

// validText refuses an address that is not valid UTF-8 before any
// handler sees it, as ParseForm refuses such a form: a path with such
// bytes (an id such as %ff) names no page, and a query string with them
// is refused naming its parameter. Otherwise they would reach the
// database, which refuses them (PostgreSQL): a fault where there is only
// a bad address (security review S4).
func (k *Kit) validText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) {
			k.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
			return
		}
		if err := CheckUTF8(r.URL.Query()); err != nil {
			k.Error(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ErrorsUnder makes the kit answer its own errors (a refused cross-origin
// request, a panic, an unknown page) for requests under prefix with h, so
// a door with its own error format (the API's problem details) keeps it
// even for the kit's refusals.
func (k *Kit) ErrorsUnder(prefix string, h func(http.ResponseWriter, *http.Request, error)) {
	if k.errorsUnder == nil {
		k.errorsUnder = map[string]func(http.ResponseWriter, *http.Request, error){}
	}
	k.errorsUnder[prefix] = h
}

// HandleBare registers a route that runs without an organisation (probes,
// static files, the API, which answers its own errors).
func (k *Kit) HandleBare(pattern string, h http.Handler) {
	k.mux.Handle(pattern, h)
}

// Handler returns every registered route with the kit's middleware. The
// first call closes registration: anything not matched is an unknown page.
func (k *Kit) Handler() http.Handler {
	k.once.Do(func() {
		k.Handle("/", func(w http.ResponseWriter, r *http.Request) {
			k.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		})
		cop := http.NewCrossOriginProtection()
		if k.cfg.BaseURL != "" {
			u, _ := url.Parse(k.cfg.BaseURL) // checked by New
			// A proxy may rewrite Host; the configured origin stays trusted.
			_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
		}
		cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "This request came from another site and was refused."))
		}))
		// Outermost first: the log sees the final status (a recovered
		// panic, a refused cross-origin request); headers are set before
		// anyone writes; responses are compressed as they are written; the
		// cross-origin check runs before any handler.
		k.handler = k.logRequests(k.securityHeaders(compress(k.recoverPanics(cop.Handler(k.requestInfo(k.mux))))))
	})
	return k.handler
}

// MetricsHandler serves the Prometheus metrics. It is not a route of
// Handler: cmd serves it on its own address (--metrics-addr), so the
// public site never shows counts that reveal anything about its users.
func (k *Kit) MetricsHandler() http.Handler { return k.metrics.handler() }

// handleHealthz answers while the process is up; it touches nothing else,
// so a slow database never gets a live process restarted.
func (k *Kit) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok"))
}

// handleReadyz answers 200 only when the database answers in time, so a
// load balancer sends no traffic to an instance that cannot serve it.
func (k *Kit) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), k.cfg.ReadyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := k.ready.Ping(ctx); err != nil {
		k.logger.WarnContext(r.Context(), "not ready: database does not answer", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable"))
		return
	}
	w.Write([]byte("ok"))
}

// orgKey is the context key of the request's organisation; a private type
// so no other package can collide with it.
type orgKey struct{}

// ContextWithOrganisation returns ctx carrying o. The middleware uses it;
// tests of handlers may too.
func ContextWithOrganisation(ctx context.Context, o *fieldportal.Organisation) context.Context {
	return context.WithValue(ctx, orgKey{}, o)
}

// OrganisationFromContext returns the organisation the request is for, or
// nil outside a route registered with Handle.
func OrganisationFromContext(ctx context.Context) *fieldportal.Organisation {
	o, _ := ctx.Value(orgKey{}).(*fieldportal.Organisation)
	return o
}

// FindOrganisation returns the organisation that serves r's host: the only
// one of a single-organisation install answers every host.
func (k *Kit) FindOrganisation(r *http.Request) (*fieldportal.Organisation, error) {
	return k.orgs.FindOrganisationForHost(r.Context(), strings.TrimSuffix(r.Host, "."))
}

// resolveOrganisation puts the organisation of r.Host in the context; an
// unknown host gets the "no portal here" page, and an install without any
// organisation says how to make one.
func (k *Kit) resolveOrganisation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := k.FindOrganisation(r)
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			k.noPortal(w, r)
			return
		} else if err != nil {
			k.Error(w, r, fmt.Errorf("resolve organisation for host: %w", err))
			return
		}
		ctx := context.WithValue(ContextWithOrganisation(r.Context(), o), settingsKey{}, &requestSettings{})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// settingsKey holds a request's memo of its organisation's settings.
type settingsKey struct{}

// requestSettings reads the organisation's settings once per request:
// the viewer, the layout and the page all need them.
type requestSettings struct {
	once sync.Once
	st   fieldportal.Settings
	err  error
}

// Settings returns the request's organisation's settings, read once per
// request.
func (k *Kit) Settings(r *http.Request) (fieldportal.Settings, error) {
	o := OrganisationFromContext(r.Context())
	if o == nil {
		return fieldportal.Settings{}, fieldportal.NotFound("organisation")
	}
	memo, ok := r.Context().Value(settingsKey{}).(*requestSettings)
	if !ok {
		return k.orgs.FindSettings(r.Context(), o.ID)
	}
	memo.once.Do(func() { memo.st, memo.err = k.orgs.FindSettings(r.Context(), o.ID) })
	return memo.st, memo.err
}
