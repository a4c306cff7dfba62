// Package web is the customer portal over HTTP: the routes, the middleware
// every response passes through, and the handlers, one file per area.
package web

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
)

//go:embed errorpage.html
var errorPageHTML string

// Config is what the portal needs to know about where it runs.
type Config struct {
	// BaseURL is the absolute URL the portal is reached at, such as
	// https://portal.example.com. An https URL turns on HSTS, and its
	// origin is trusted by the cross-origin check even when a proxy
	// rewrites the Host header.
	BaseURL string
	// ReadyTimeout bounds the database ping of /readyz; zero means 2 s.
	ReadyTimeout time.Duration
	// IdleTimeout ends a session unused for this long; zero means 2 h.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after sign-in whatever its
	// use; zero means 12 h.
	AbsoluteTimeout time.Duration
	// Hasher hashes and checks portal passwords; the zero value means
	// auth.DefaultHasher(). Tests pass auth.TestHasher(), which is fast.
	Hasher auth.Hasher
	// TrustedProxies are the reverse proxies in front of the portal: for a
	// request from one of them, the client is the nearest untrusted address
	// of X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// MailEnabled says a mail worker sends the outbox; without one the
	// console tells staff that mail is only kept in its mail log.
	MailEnabled bool
}

// Server is the portal's HTTP side. Build it with New; serve Handler.
type Server struct {
	cfg       Config
	db        *sqlstore.DB
	logger    *slog.Logger
	mux       *http.ServeMux
	errorTmpl *template.Template
	hsts      bool
	// hashSlots bounds the password hashes computed at once (passwords.go).
	hashSlots chan struct{}
	metrics   *metrics
	handler   http.Handler

	// secureCookies marks the session cookie Secure: the base URL is https.
	secureCookies bool
	pages         map[string]*template.Template
	assets        map[string]staticAsset
}

// New builds the server and its routes. It fails on a bad Config, so a
// misconfiguration stops the program at start, not on the first request.
func New(cfg Config, db *sqlstore.DB, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 2 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 2 * time.Hour
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = 12 * time.Hour
	}
	if cfg.Hasher == (auth.Hasher{}) {
		cfg.Hasher = auth.DefaultHasher()
	}
	s := &Server{cfg: cfg, db: db, logger: logger, mux: http.NewServeMux(), hashSlots: make(chan struct{}, max(2, runtime.NumCPU())), metrics: newMetrics(db)}
	var err error
	if s.errorTmpl, err = template.New("error").Parse(errorPageHTML); err != nil {
		return nil, fmt.Errorf("parse error page: %w", err)
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	if err := s.parseTemplates(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}

	cop := http.NewCrossOriginProtection()
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("web: base URL %q must be an absolute http or https URL", cfg.BaseURL)
		}
		s.hsts = u.Scheme == "https"
		s.secureCookies = s.hsts
		if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("web: base URL: %w", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "This request came from another site and was refused."))
	}))

	s.routes()

	// Outermost first: the log sees the final status (a recovered panic,
	// a refused cross-origin request); headers are set before anyone
	// writes; the cross-origin check runs before any handler.
	s.handler = s.logRequests(s.securityHeaders(s.recoverPanics(cop.Handler(s.mux))))
	return s, nil
}

// Handler returns the portal with all its middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// routes lists every route of the portal in one place. Add a page with
// s.handle, which resolves the organisation first; s.handleBare is for the
// few routes that must answer without one (probes, static files).
func (s *Server) routes() {
	s.handleBare("GET /healthz", s.handleHealthz)
	s.handleBare("GET /readyz", s.handleReadyz)
	s.handleBare("GET /metrics", s.metrics.handler().ServeHTTP)
	s.handleBare("GET /static/{hash}/{name}", s.handleStatic)

	// Signing in, out, and the single-use links (signin.go).
	s.handle("GET /login", s.handleLoginForm)
	s.handle("POST /login", s.handleLogin)
	s.handle("POST /logout", s.handleLogout)
	s.handle("GET /forgot", s.handleForgotForm)
	s.handle("POST /forgot", s.handleForgot)
	s.handle("GET /reset/{token}", s.handleResetForm)
	s.handle("POST /reset/{token}", s.handleReset)
	s.handle("GET /setup/{token}", s.handleSetupForm)
	s.handle("POST /setup/{token}", s.handleSetup)
	s.handle("GET /password", s.portal(s.handlePasswordForm))
	s.handle("POST /password", s.portal(s.handlePassword))

	// The portal's pages, each behind a session (portal.go, sites.go).
	s.handle("GET /{$}", s.portal(s.handleDashboard))
	s.handle("GET /sites", s.portal(s.handleSites))
	s.handle("GET /sites.csv", s.portal(s.handleSitesCSV))
	s.handle("GET /sites/{id}", s.portal(s.handleSite))
	s.handle("GET /documents/{id}/download", s.portal(s.handleDocumentDownload))
	s.handle("GET /branding/logo/{sha}", s.handleLogo)
	s.handle("GET /preferences", s.portal(s.handlePreferences))
	s.handle("POST /preferences", s.portal(s.handlePreferencesSave))

	// The staff console (console*.go).
	s.consoleRoutes()

	// Anything not matched above is an unknown page of an organisation.
	s.handle("/", func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
	})
}

// handle registers a route whose handler runs with the request's
// organisation in its context (see OrganisationFromContext).
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.resolveOrganisation(h))
}

// handleBare registers a route that runs without an organisation.
func (s *Server) handleBare(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, h)
}

// handleHealthz answers while the process is up; it touches nothing else,
// so a slow database never gets a live process restarted.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok"))
}

// handleReadyz answers 200 only when the database answers in time, so a
// load balancer sends no traffic to an instance that cannot serve it.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.db.Ping(ctx); err != nil {
		s.logger.WarnContext(r.Context(), "not ready: database does not answer", "err", err)
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
// nil outside a route registered with s.handle.
func OrganisationFromContext(ctx context.Context) *fieldportal.Organisation {
	o, _ := ctx.Value(orgKey{}).(*fieldportal.Organisation)
	return o
}

// resolveOrganisation finds the organisation that serves r.Host (the only
// one of a single-organisation install answers every host) and puts it in
// the context; an unknown host gets a 404 page.
func (s *Server) resolveOrganisation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := s.db.FindOrganisationForHost(r.Context(), strings.TrimSuffix(r.Host, "."))
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			s.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "No portal is set up at this address."))
			return
		} else if err != nil {
			s.Error(w, r, fmt.Errorf("resolve organisation for host: %w", err))
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

// settings returns the request's organisation's settings.
func (s *Server) settings(r *http.Request) (fieldportal.Settings, error) {
	o := OrganisationFromContext(r.Context())
	if o == nil {
		return fieldportal.Settings{}, fieldportal.NotFound("organisation")
	}
	memo, ok := r.Context().Value(settingsKey{}).(*requestSettings)
	if !ok {
		return s.db.FindSettings(r.Context(), o.ID)
	}
	memo.once.Do(func() { memo.st, memo.err = s.db.FindSettings(r.Context(), o.ID) })
	return memo.st, memo.err
}
