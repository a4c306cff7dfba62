package web

import (
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkRequestKit serves a 3 KB page through the kit's middleware
// (log, security headers, gzip, panic recovery) with no store and no
// template behind it: the part of every request's fixed cost that is the
// kit's own (issue 15). The log is written at info into nowhere, as
// serve's is written somewhere.
func BenchmarkRequestKit(b *testing.B) {
	page, err := fs.ReadFile(kitTemplates, "templates/components.html")
	if err != nil {
		b.Fatal(err)
	}
	page = page[:3000]
	k := &Kit{logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
		mux: http.NewServeMux(), metrics: newMetrics(nil, nil)}
	k.mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		w.Write(page)
	})
	h := k.logRequests(k.securityHeaders(compress(k.recoverPanics(http.NewCrossOriginProtection().Handler(k.requestInfo(k.mux))))))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		req := httptest.NewRequest("GET", "http://portal.test/page", nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
			b.Fatalf("%d %v", w.Code, w.Header())
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}
