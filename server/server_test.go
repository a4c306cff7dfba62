package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/console"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/sso"
	"github.com/fieldportal/fieldportal/web"
)

// syncBuffer is a log destination that handlers on other goroutines may
// write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testConfig is what a test may set of the site's configuration.
type testConfig struct {
	BaseURL        string
	MailEnabled    bool
	TrustedProxies []netip.Prefix
	// Hasher defaults to the fast test hasher.
	Hasher auth.Hasher
	// Sites, when set, replaces the store's site service (a test's fault).
	Sites fieldportal.SiteService
	// Payments, when set, opens payment providers (online payment is off
	// without it).
	Payments fieldportal.PaymentGateways
	// Now, when set, is the clock of requests' times (web.RequestTime).
	Now func() time.Time
	// Logger, when set, replaces the debug log into the returned buffer:
	// a benchmark logs as serve does, at info into nowhere.
	Logger *slog.Logger
}

// newTestServer builds the whole site on db, wired as cmd/fieldportal
// wires it, logging at debug into the returned buffer.
func newTestServer(t testing.TB, db *sqlstore.DB, cfg testConfig) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.Hasher == (auth.Hasher{}) {
		cfg.Hasher = auth.TestHasher()
	}
	accounts := sqlstore.NewAccounts(db, sqlstore.AccountsConfig{BaseURL: cfg.BaseURL, Passwords: auth.NewPasswords(cfg.Hasher, 4)})
	var sites fieldportal.SiteService = db
	if cfg.Sites != nil {
		sites = cfg.Sites
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := New(Config{
		Web:     web.Config{BaseURL: cfg.BaseURL, TrustedProxies: cfg.TrustedProxies, Now: cfg.Now},
		Console: console.Config{MailEnabled: cfg.MailEnabled},
	}, Services{Orgs: db, SignIn: accounts, Access: accounts, Staff: accounts, Sites: sites,
		Dashboard: db, Equipment: db, Work: db, Diary: db, Money: db, Payments: cfg.Payments, APIKeys: db, Ready: db, Pool: db, Outbox: db,
		Webhooks: db, Sync: db, Tombstones: db, VisitReports: db, SSO: sso.New(db, accounts, slog.New(slog.NewTextHandler(logs, nil)), fieldportal.WebhookURLPolicy{AllowHTTP: true, AllowPrivate: true})},
		logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, logs
}

// do sends one request through the full handler and returns the response and body.
func do(t *testing.T, h http.Handler, req *http.Request) (*http.Response, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := w.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func mustOrg(t testing.TB, db *sqlstore.DB, name, host string) *fieldportal.Organisation {
	t.Helper()
	o := &fieldportal.Organisation{Name: name, Host: host}
	if err := db.CreateOrganisation(context.Background(), o); err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	return o
}

func TestHealthz(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s, _ := newTestServer(t, db, testConfig{})
		res, body := do(t, s.Handler(), httptest.NewRequest("GET", "/healthz", nil))
		if res.StatusCode != http.StatusOK || body != "ok" {
			t.Errorf("GET /healthz = %d %q, want 200 \"ok\"", res.StatusCode, body)
		}
	})
}

func TestReadyz(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s, _ := newTestServer(t, db, testConfig{})
		res, _ := do(t, s.Handler(), httptest.NewRequest("GET", "/readyz", nil))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /readyz with the database up = %d, want 200", res.StatusCode)
		}
		db.Close()
		res, body := do(t, s.Handler(), httptest.NewRequest("GET", "/readyz", nil))
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET /readyz with the database closed = %d %q, want 503", res.StatusCode, body)
		}
		// Liveness does not depend on the database.
		if res, _ := do(t, s.Handler(), httptest.NewRequest("GET", "/healthz", nil)); res.StatusCode != http.StatusOK {
			t.Errorf("GET /healthz with the database closed = %d, want 200", res.StatusCode)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		mustOrg(t, db, "Acme", "")
		want := map[string]string{
			"Content-Security-Policy": web.ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
			"Permissions-Policy":      "camera=(), microphone=(), geolocation=(), usb=()",
		}
		for _, tc := range []struct {
			name, baseURL, path string
			hsts                bool
		}{
			{"probe over http", "http://127.0.0.1:8080", "/healthz", false},
			{"error page over http", "http://127.0.0.1:8080", "/no-such-page", false},
			{"probe over https", "https://portal.example.com", "/healthz", true},
			{"error page over https", "https://portal.example.com", "/no-such-page", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, _ := newTestServer(t, db, testConfig{BaseURL: tc.baseURL})
				res, _ := do(t, s.Handler(), httptest.NewRequest("GET", tc.path, nil))
				for k, v := range want {
					if got := res.Header.Get(k); got != v {
						t.Errorf("%s = %q, want %q", k, got, v)
					}
				}
				if got := res.Header.Get("Strict-Transport-Security"); (got != "") != tc.hsts {
					t.Errorf("Strict-Transport-Security = %q, want present: %v", got, tc.hsts)
				}
			})
		}
	})
}

func TestCrossOriginProtection(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		mustOrg(t, db, "Acme", "")
		s, logs := newTestServer(t, db, testConfig{BaseURL: "https://portal.example.com"})
		var reached bool
		s.Kit().Handle("POST /form", func(w http.ResponseWriter, r *http.Request) { reached = true })

		req := httptest.NewRequest("POST", "/form", strings.NewReader("a=1"))
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, body := do(t, s.Handler(), req)
		if res.StatusCode != http.StatusForbidden || reached {
			t.Errorf("cross-site POST = %d (handler reached: %v), want 403 and not reached", res.StatusCode, reached)
		}
		if !strings.Contains(body, "came from another site") {
			t.Errorf("cross-site POST body = %q, want the refusal page", body)
		}
		if !strings.Contains(logs.String(), `route="POST /form"`) || !strings.Contains(logs.String(), "status=403") {
			t.Errorf("log does not name the route and 403:\n%s", logs)
		}

		req = httptest.NewRequest("POST", "/form", strings.NewReader("a=1"))
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if res, _ := do(t, s.Handler(), req); res.StatusCode != http.StatusOK || !reached {
			t.Errorf("same-origin POST = %d (handler reached: %v), want 200 and reached", res.StatusCode, reached)
		}

		// The base URL's origin is trusted even when a proxy changed Host.
		reached = false
		req = httptest.NewRequest("POST", "http://internal:8080/form", strings.NewReader("a=1"))
		req.Header.Set("Origin", "https://portal.example.com")
		if res, _ := do(t, s.Handler(), req); res.StatusCode != http.StatusOK || !reached {
			t.Errorf("POST from the base URL's origin = %d, want 200", res.StatusCode)
		}
	})
}

func TestOrganisationByHost(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s, _ := newTestServer(t, db, testConfig{})
		s.Kit().Handle("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, web.OrganisationFromContext(r.Context()).Name)
		})
		get := func(host string) (int, string) {
			req := httptest.NewRequest("GET", "/whoami", nil)
			req.Host = host
			res, body := do(t, s.Handler(), req)
			return res.StatusCode, body
		}

		if code, _ := get("anything.example"); code != http.StatusNotFound {
			t.Errorf("no organisation at all: status %d, want 404", code)
		}

		mustOrg(t, db, "Alpha Fire", "alpha.example.test")
		if code, body := get("elsewhere.example:8080"); code != http.StatusOK || body != "Alpha Fire" {
			t.Errorf("the only organisation on any host = %d %q, want 200 Alpha Fire", code, body)
		}

		mustOrg(t, db, "Beta Security", "beta.example.test")
		for _, tc := range []struct {
			host, wantBody string
			wantCode       int
		}{
			{"alpha.example.test", "Alpha Fire", 200},
			{"beta.example.test", "Beta Security", 200},
			{"BETA.example.test:8443", "Beta Security", 200},
			{"beta.example.test.", "Beta Security", 200},
			{"gamma.example.test", "", 404},
		} {
			t.Run(tc.host, func(t *testing.T) {
				code, body := get(tc.host)
				if code != tc.wantCode || (tc.wantBody != "" && body != tc.wantBody) {
					t.Errorf("host %q = %d %q, want %d %q", tc.host, code, body, tc.wantCode, tc.wantBody)
				}
				if code == 404 && !strings.Contains(body, "No portal is set up here.") {
					t.Errorf("unknown host body = %q, want the no-portal page", body)
				}
			})
		}
	})
}

func TestPanicRecovery(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		mustOrg(t, db, "Acme", "")
		s, logs := newTestServer(t, db, testConfig{})
		s.Kit().Handle("GET /boom", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Disposition", "attachment; filename=x.pdf")
			panic("secret table fp_internal exploded")
		})
		res, body := do(t, s.Handler(), httptest.NewRequest("GET", "/boom", nil))
		if res.StatusCode != http.StatusInternalServerError {
			t.Errorf("status = %d, want 500", res.StatusCode)
		}
		if strings.Contains(body, "secret") || strings.Contains(body, "goroutine") {
			t.Errorf("500 page shows internals: %q", body)
		}
		if res.Header.Get("Content-Disposition") != "" || res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("headers of the 500 page: %v", res.Header)
		}
		if !strings.Contains(logs.String(), "secret table fp_internal exploded") {
			t.Errorf("the panic was not logged:\n%s", logs)
		}
		// The server keeps serving.
		if res, _ := do(t, s.Handler(), httptest.NewRequest("GET", "/healthz", nil)); res.StatusCode != 200 {
			t.Errorf("after a panic /healthz = %d", res.StatusCode)
		}
	})
}

func TestRequestLog(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	mustOrg(t, db, "Acme", "")
	s, logs := newTestServer(t, db, testConfig{})
	// The real /reset/{token} is taken; a stand-in route with a token in
	// its path tests the same thing.
	s.Kit().Handle("GET /test-link/{token}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	do(t, s.Handler(), httptest.NewRequest("GET", "/test-link/tok-SECRET?code=Q-SECRET", nil))
	got := logs.String()
	for _, want := range []string{`method=GET`, `route="GET /test-link/{token}"`, `status=200`, `bytes=5`, `duration=`} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "SECRET") {
		t.Errorf("log leaks the path or query:\n%s", got)
	}
}

func TestStatusFor(t *testing.T) {
	for _, tc := range []struct {
		code     string
		web, api int
	}{
		{fieldportal.ENOTFOUND, 404, 404},
		{fieldportal.EINVALID, 400, 422},
		{fieldportal.EUNAUTHORIZED, 401, 401},
		{fieldportal.EFORBIDDEN, 403, 403},
		{fieldportal.ECONFLICT, 409, 409},
		{fieldportal.ERATELIMIT, 429, 429},
		{fieldportal.EUNAVAILABLE, 503, 503},
		{fieldportal.EINTERNAL, 500, 500},
		{"something new", 500, 500},
	} {
		t.Run(tc.code, func(t *testing.T) {
			if got := web.StatusFor(tc.code); got != tc.web {
				t.Errorf("web.StatusFor(%q) = %d, want %d", tc.code, got, tc.web)
			}
			if got := api.StatusFor(tc.code); got != tc.api {
				t.Errorf("api.StatusFor(%q) = %d, want %d", tc.code, got, tc.api)
			}
		})
	}
}

func TestErrorPage(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	s, logs := newTestServer(t, db, testConfig{})
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		want    string
		mustNot string
	}{
		{"foreign error", errors.New("pq: relation secret_table"), 500, "Something went wrong on our side", "secret_table"},
		{"user message is escaped", fieldportal.FieldErrorf("name", "Name <b>x</b> is too long."), 400, "Name &lt;b&gt;x&lt;/b&gt; is too long.", "<b>"},
		{"not found", fieldportal.NotFound("invoice"), 404, "invoice not found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.Kit().Error(w, httptest.NewRequest("GET", "/x", nil), tc.err)
			body := w.Body.String()
			if w.Code != tc.status || !strings.Contains(body, tc.want) || (tc.mustNot != "" && strings.Contains(body, tc.mustNot)) {
				t.Errorf("Error page = %d %q, want %d containing %q without %q", w.Code, body, tc.status, tc.want, tc.mustNot)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
	if !strings.Contains(logs.String(), "secret_table") {
		t.Errorf("the internal error was not logged:\n%s", logs)
	}
}

func TestMetrics(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		mustOrg(t, db, "Acme", "")
		s, _ := newTestServer(t, db, testConfig{})
		h := s.Handler()
		do(t, h, httptest.NewRequest("GET", "/login", nil))
		do(t, h, httptest.NewRequest("GET", "/sites/01234567-no-such-site", nil))
		// The public site serves no metrics: the outbox backlog would
		// tell a stranger that /forgot queued a mail for an address.
		if res, _ := do(t, h, httptest.NewRequest("GET", "/metrics", nil)); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /metrics on the site = %d, want 404", res.StatusCode)
		}
		res, body := do(t, s.MetricsHandler(), httptest.NewRequest("GET", "/metrics", nil))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /metrics = %d", res.StatusCode)
		}
		for _, want := range []string{
			`fieldportal_http_requests_total{route="GET /login",status="2xx"} 1`,
			`fieldportal_http_requests_total{route="GET /sites/{id}",status="3xx"} 1`,
			`fieldportal_outbox_pending{kind="mail"} 0`,
			`go_goroutines`,
			`fieldportal_db_open_connections`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(body, "no-such-site") {
			t.Error("metrics carry a raw path")
		}
	})
}
