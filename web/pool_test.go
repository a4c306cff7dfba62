package web

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/fstest"
)

// failingRW is a client gone away: every write fails.
type failingRW struct{ h http.Header }

func (f *failingRW) Header() http.Header       { return f.h }
func (f *failingRW) WriteHeader(int)           {}
func (f *failingRW) Write([]byte) (int, error) { return 0, errors.New("gone") }

// A pooled gzip writer whose last response failed (the client went away)
// writes the next response whole: Reset clears the error and the stream.
func TestCompressPoolAfterFailedResponse(t *testing.T) {
	body := bytes.Repeat([]byte("hello world "), 20000)
	h := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	for i := 0; i < 50; i++ {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		h.ServeHTTP(&failingRW{h: http.Header{}}, req)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%d: %v len %d", i, err, len(got))
		}
	}
}

// Concurrent responses through the pooled writers never mix: each gets
// only its own bytes.
func TestCompressPoolParallel(t *testing.T) {
	h := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		id := r.URL.Query().Get("id")
		w.Write(bytes.Repeat([]byte(id+";"), 3000))
	}))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				id := fmt.Sprintf("u%d-%d", g, i)
				req := httptest.NewRequest("GET", "/?id="+id, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				zr, err := gzip.NewReader(w.Body)
				if err != nil {
					t.Error(err)
					return
				}
				got, _ := io.ReadAll(zr)
				if !bytes.Equal(got, bytes.Repeat([]byte(id+";"), 3000)) {
					t.Errorf("mixed response for %s", id)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// failData fails its template half-way when ID is "fail".
type failData struct{ ID string }

func (d failData) Boom() (string, error) {
	if d.ID == "fail" {
		return "", errors.New("boom")
	}
	return "ok", nil
}

// A pooled render buffer carries nothing into the next page: not a page
// of another request, nor the half of one whose template failed, which
// becomes a clean 500 page.
func TestRenderPoolNoResidue(t *testing.T) {
	k := testKit(t)
	pages, err := k.ParsePages(fstestMap(`SECRET-{{.ID}}-{{range $i := .Rep}}{{$.ID}}{{end}}{{.Boom}}END`), "t.html")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				id := fmt.Sprintf("u%d-%d", g, i)
				if i%3 == 0 {
					id = "fail"
				}
				req := httptest.NewRequest("GET", "/", nil)
				w := httptest.NewRecorder()
				pages.Render(w, req, 200, "t", struct {
					failData
					Rep []int
				}{failData{id}, make([]int, 200)})
				body := w.Body.String()
				if id == "fail" {
					if bytes.Contains([]byte(body), []byte("SECRET")) || w.Code != 500 {
						t.Errorf("fail page leaked partial: %d %q", w.Code, body[:min(80, len(body))])
					}
					continue
				}
				want := "SECRET-" + id + "-" + string(bytes.Repeat([]byte(id), 200)) + "okEND"
				if body != want {
					t.Errorf("mixed: %q", body[:min(80, len(body))])
				}
			}
		}()
	}
	wg.Wait()
}

// fstestMap is one page, t.html, of body s.
func fstestMap(s string) fstest.MapFS { return fstest.MapFS{"t.html": {Data: []byte(s)}} }
