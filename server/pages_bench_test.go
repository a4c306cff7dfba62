package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// BenchmarkPages serves the busiest pages through the whole handler (host
// lookup, session, store, templates, gzip) for a signed-in contact and a
// staff member, one request at a time and in parallel (issue 15).
func BenchmarkPages(b *testing.B) {
	for _, engine := range sqltest.Engines {
		b.Run(engine.String(), func(b *testing.B) {
			db := sqltest.MustOpen(b, engine)
			f := newFixture(b, db)
			for i := range 40 {
				f.addSite("", "Extra site "+string(rune('A'+i%26))+string(rune('a'+i/26)), "parent", "BS1 6DZ")
			}
			contact := f.browser()
			contact.login("parent@example.test", testPassword)
			f.addStaff("staff@example.test", fieldportal.RoleStaff)
			staff := f.browser()
			staff.consoleLogin("staff@example.test")
			var consoleSession string
			for _, c := range staff.jar.Cookies(mustURL(f.srv.URL + "/console")) {
				if c.Name == consoleCookie {
					consoleSession = c.Value
				}
			}
			h := f.s.Handler()
			for _, p := range []struct{ name, path, cookie, value string }{
				{"dashboard", "/", sessionCookie, contact.session()},
				{"sites", "/sites", sessionCookie, contact.session()},
				{"site", "/sites/" + f.site["hq"].ID, sessionCookie, contact.session()},
				{"console contacts", "/console/contacts", consoleCookie, consoleSession},
			} {
				request := func() *http.Request {
					req := httptest.NewRequest("GET", "http://portal.test"+p.path, nil)
					req.Header.Set("Accept-Encoding", "gzip")
					req.AddCookie(&http.Cookie{Name: p.cookie, Value: p.value})
					return req
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, request())
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
				b.Run(p.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, request())
						if w.Code != http.StatusOK {
							b.Fatalf("%s: %d", p.path, w.Code)
						}
					}
				})
				b.Run(p.name+" parallel", func(b *testing.B) {
					b.ReportAllocs()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							w := httptest.NewRecorder()
							h.ServeHTTP(w, request())
							if w.Code != http.StatusOK {
								b.Errorf("%s: %d", p.path, w.Code)
								return
							}
						}
					})
				})
			}
		})
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
