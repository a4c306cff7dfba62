package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob"
)

// A 200 MB upload goes through the form reader and into the disk store
// without the process holding it: the heap in use, sampled all along,
// never grows by more than a few megabytes. The body is made as it is
// sent (a pipe), so the test itself holds no copy either.
func TestUploadStreamsInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB through a temporary file")
	}
	defer func(old int64) { MaxUploadFileBytes = old }(MaxUploadFileBytes)
	MaxUploadFileBytes = 300 << 20
	const size = 200 << 20
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	want := sha256.New()
	go func() {
		w, err := mw.CreateFormFile("attachments", "big.pdf")
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		chunk := make([]byte, 64<<10)
		copy(chunk, "%PDF-1.7\n")
		for sent := 0; sent < size; sent += len(chunk) {
			want.Write(chunk)
			if _, err := w.Write(chunk); err != nil {
				pw.CloseWithError(err)
				return
			}
			chunk[len(chunk)-1]++ // not one page of zeros over and over
		}
		pw.CloseWithError(mw.Close())
	}()
	r := httptest.NewRequest("POST", "/jobs/x/attachments", pr)
	r.Header.Set("Content-Type", mw.FormDataContentType())

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	k := &Kit{}
	_, files, err := k.ReadUploadForm(httptest.NewRecorder(), r, "attachments")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	f := files[0]
	store, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := blob.NewHasher(f.Body)
	if err := store.Put(r.Context(), "org", blob.KeyFor("org", f.SHA256), h, f.Size); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-done
	wantSum := hex.EncodeToString(want.Sum(nil))
	if f.Size != size || f.SHA256 != wantSum || h.SHA256() != wantSum || f.ContentType != "application/pdf" {
		t.Errorf("upload: size %d, sha %s (stored %s), type %s; want %d, %s", f.Size, f.SHA256, h.SHA256(), f.ContentType, size, wantSum)
	}
	if grew := int64(peak.Load()) - int64(base.HeapInuse); grew > 32<<20 {
		t.Errorf("the heap grew by %d MB during a 200 MB upload; want under 32 MB", grew>>20)
	} else {
		t.Logf("heap grew by at most %.1f MB", float64(grew)/(1<<20))
	}
}

// Downloads carry the stored type, nosniff and the sandbox; only PDFs and
// raster images show inline, and the name in the header is safe.
func TestServeDocument(t *testing.T) {
	cases := []struct {
		name, docName, ctype string
		inline               bool
		wantType, wantDisp   string
	}{
		{"a PDF shows inline", "report.pdf", "application/pdf", true, "application/pdf", `inline; filename=report.pdf`},
		{"a photo shows inline", "leak.jpg", "image/jpeg", true, "image/jpeg", `inline; filename=leak.jpg`},
		{"HTML is saved, never shown", "page.html", "text/html", true, "text/html", `attachment; filename=page.html`},
		{"SVG is saved, never shown", "logo.svg", "image/svg+xml", true, "image/svg+xml", `attachment; filename=logo.svg`},
		{"a spreadsheet is saved", "costs.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true,
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", `attachment; filename=costs.xlsx`},
		{"the console saves even a PDF", "report.pdf", "application/pdf", false, "application/pdf", `attachment; filename=report.pdf`},
		{"a nasty name is made safe", "..\\..\\evil\r\nSet-Cookie: x\".pdf", "application/pdf", true, "application/pdf",
			`inline; filename="evilSet-Cookie: x\".pdf"`},
		{"a long name keeps its extension", strings.Repeat("a", 300) + ".pdf", "application/pdf", true, "application/pdf",
			"inline; filename=" + strings.Repeat("a", 196) + ".pdf"},
		{"no usable name", "\x00\x01", "text/plain", true, "text/plain", "attachment; filename=download"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := "file bytes"
			doc := &fieldportal.Document{ID: "d1", Name: c.docName, ContentType: c.ctype, Size: int64(len(body)), SHA256: "abc"}
			w := httptest.NewRecorder()
			ServeDocument(w, httptest.NewRequest("GET", "/documents/d1/download", nil), doc, io.NopCloser(strings.NewReader(body)), c.inline)
			h := w.Header()
			if h.Get("Content-Type") != c.wantType || h.Get("Content-Disposition") != c.wantDisp ||
				h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
				w.Body.String() != body {
				t.Errorf("type %q, disposition %q, nosniff %q, csp %q, body %q; want %q, %q",
					h.Get("Content-Type"), h.Get("Content-Disposition"), h.Get("X-Content-Type-Options"),
					h.Get("Content-Security-Policy"), w.Body.String(), c.wantType, c.wantDisp)
			}
		})
	}
}

// TestUploadPartsKeepFewTemporaryFiles: a form of many file parts (an
// API client's body of thousands of tiny or refused files) keeps at most
// the files it takes on disk, not one open temporary file per part until
// the request ends, which would run the process out of file descriptors.
func TestUploadPartsKeepFewTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	for i := range 300 {
		name, data := "empty.txt", ""
		switch {
		case i%3 == 1:
			name, data = "page.txt", "<!DOCTYPE html><html><script>alert(1)</script></html>"
		case i%3 == 2:
			name, data = "note.txt", "A note."
		}
		w, err := mw.CreateFormFile("attachments", name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, data)
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/api/v1/messages", strings.NewReader(body.String()))
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if _, _, err := (&Kit{}).ReadUploadForm(httptest.NewRecorder(), r, "attachments"); err == nil {
		t.Fatal("300 files were taken")
	}
	left, err := filepath.Glob(filepath.Join(dir, "fieldportal-upload-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > MaxUploadFiles {
		t.Errorf("%d temporary files kept for the request, want at most %d", len(left), MaxUploadFiles)
	}
}

// TestUploadFormBoundsItsFields: the text fields of an upload form are
// bounded in number and with their names, not only by their values' bytes
// (as net/http's own form reader bounds its parts): thousands of empty
// fields under distinct names are refused, not kept in memory.
func TestUploadFormBoundsItsFields(t *testing.T) {
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	for i := range 5000 {
		if err := mw.WriteField(fmt.Sprintf("field-%d-%s", i, strings.Repeat("x", 200)), ""); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/api/v1/messages", strings.NewReader(body.String()))
	r.Header.Set("Content-Type", mw.FormDataContentType())
	values, _, err := (&Kit{}).ReadUploadForm(httptest.NewRecorder(), r, "attachments")
	if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
		t.Fatalf("5000 empty fields: %d kept, %v; want the form refused", len(values), err)
	}
}
