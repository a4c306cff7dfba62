package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestNoPortalPages checks the two answers for a host without a portal:
// a fresh install says how to make its organisation; an unknown host on
// an install with several says the address is wrong. Both use the layout.
func TestNoPortalPages(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	s, _ := newTestServer(t, db, testConfig{})
	res, body := do(t, s.Handler(), httptest.NewRequest("GET", "/login", nil))
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "<code>fieldportal init") || !strings.Contains(body, `<main id="main"`) ||
		!strings.Contains(body, "<title>This portal is not set up yet") {
		t.Errorf("fresh install = %d:\n%s", res.StatusCode, body)
	}
	mustOrg(t, db, "Alpha", "alpha.example.test")
	mustOrg(t, db, "Beta", "beta.example.test")
	req := httptest.NewRequest("GET", "/login", nil)
	req.Host = "gamma.example.test"
	res, body = do(t, s.Handler(), req)
	if res.StatusCode != http.StatusNotFound || strings.Contains(body, "fieldportal init") || !strings.Contains(body, "No portal is set up here") ||
		!strings.Contains(body, "<title>No portal at this address") {
		t.Errorf("unknown host = %d:\n%s", res.StatusCode, body)
	}
}

// TestCompression checks that text is gzipped for clients that take it,
// and that nothing else is.
func TestCompression(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	get := func(path, enc string) *http.Response {
		req := httptest.NewRequest("GET", path, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		w := httptest.NewRecorder()
		f.s.Handler().ServeHTTP(w, req)
		return w.Result()
	}
	res := get("/login", "gzip, deflate, br")
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("login page headers: %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(page), "<html") {
		t.Errorf("the gzipped page does not read back: %v", err)
	}
	if res := get("/login", ""); res.Header.Get("Content-Encoding") != "" {
		t.Error("a client that takes no gzip got it")
	}
	if res := get("/login", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	if res := get("/healthz", "gzip"); res.Header.Get("Content-Encoding") != "gzip" {
		t.Error("plain text was not compressed")
	}
}
