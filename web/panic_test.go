package web

import (
	"errors"
	"io"
	"net/http"
	"testing"
)

// A handler that panics after its response has begun cannot send an error
// page: the response must then break off, so the client sees a failure
// rather than a short body that looks complete (with gzip, one with a
// valid trailer).
func TestPanicAfterHeadersBreaksTheResponse(t *testing.T) {
	for _, gz := range []bool{true, false} {
		srv := testChain(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			io.WriteString(w, "a,b\n")
			http.NewResponseController(w).Flush()
			var m map[string]int
			m["boom"]++ // a bug halfway through a download
		})
		res, body := get(t, srv, gz)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		b, err := io.ReadAll(body)
		if err == nil {
			t.Errorf("gzip %v: the cut-off body %q read as complete", gz, b)
		} else if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Logf("gzip %v: read error %v", gz, err)
		}
	}
}

// A panic before anything is written still gets the 500 page.
func TestPanicBeforeHeadersIsAnErrorPage(t *testing.T) {
	srv := testChain(t, func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	res, body := get(t, srv, false)
	b, _ := io.ReadAll(body)
	if res.StatusCode != http.StatusInternalServerError || len(b) == 0 {
		t.Errorf("status %d, body %q", res.StatusCode, b)
	}
}
