package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// BenchmarkRequest serves cheap pages, whose own SQL is a few
// statements, through the whole handler stack in-process (host lookup,
// session, middleware, templates, gzip), one request at a time: what it
// measures is the fixed cost every request pays beyond its SQL (issue
// 15's "1 client ≤ 2× its own SQL"). The site logs every request at info
// into nowhere, as the bench's does, so logging is counted.
func BenchmarkRequest(b *testing.B) {
	for _, engine := range sqltest.Engines {
		b.Run(engine.String(), func(b *testing.B) {
			db := sqltest.MustOpen(b, engine)
			f := newFixture(b, db)
			f.addStaff("staff@example.test", fieldportal.RoleStaff)
			f.addStaff("admin@example.test", fieldportal.RoleAdmin)
			contact := f.browser()
			contact.login("parent@example.test", testPassword)
			child := f.browser()
			child.login("child@example.test", testPassword)
			staff := f.browser()
			staff.consoleLogin("staff@example.test")
			admin := f.browser()
			admin.consoleLogin("admin@example.test")
			s, _ := newTestServer(b, db, testConfig{BaseURL: "http://portal.test",
				Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))})
			h := s.Handler()
			for _, p := range []struct{ name, path, cookie, value string }{
				{"password", "/password", sessionCookie, contact.session()},
				{"preferences", "/preferences", sessionCookie, contact.session()},
				{"site", "/sites/" + f.site["dock"].ID, sessionCookie, child.session()},
				{"console home", "/console", consoleCookie, cookieOf(staff, "/console", consoleCookie)},
				{"console settings", "/console/settings", consoleCookie, cookieOf(admin, "/console", consoleCookie)},
			} {
				request := func() *http.Request {
					req := httptest.NewRequest("GET", "http://portal.test"+p.path, nil)
					req.Header.Set("Accept-Encoding", "gzip, deflate, br")
					req.AddCookie(&http.Cookie{Name: p.cookie, Value: p.value})
					return req
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, request())
				if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
					b.Fatalf("%s: %d %v", p.path, w.Code, w.Header())
				}
				b.Run(p.name, func(b *testing.B) {
					b.ReportAllocs()
					cpu := processCPU()
					for b.Loop() {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, request())
						if w.Code != http.StatusOK {
							b.Fatalf("%s: %d", p.path, w.Code)
						}
					}
					b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
				})
			}
		})
	}
}

// cookieOf is the value of a browser's cookie name as sent to path.
func cookieOf(b *browser, path, name string) string {
	for _, c := range b.jar.Cookies(mustURL(b.f.srv.URL + path)) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
