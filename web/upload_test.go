package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
)

// pngBytes is the start of a PNG file: enough for content detection.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

// part is one part of a test form: a field, or a file when File is set.
type part struct {
	Name, Value, File string
	Data              []byte
}

// mustMultipart builds a posted multipart form of the parts, in order.
func mustMultipart(tb testing.TB, parts ...part) *http.Request {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		var err error
		if p.File != "" || p.Data != nil {
			var w interface{ Write([]byte) (int, error) }
			w, err = mw.CreateFormFile(p.Name, p.File)
			if err == nil {
				_, err = w.Write(p.Data)
			}
		} else {
			err = mw.WriteField(p.Name, p.Value)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/issues/new", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestReadUploadForm(t *testing.T) {
	// A small limit keeps the bodies of the limit cases small.
	defer func(old int64) { MaxUploadFileBytes = old }(MaxUploadFileBytes)
	MaxUploadFileBytes = 1 << 20
	k := &Kit{}
	read := func(r *http.Request) (url.Values, []fieldportal.Upload, error) {
		return k.ReadUploadForm(httptest.NewRecorder(), r, "attachments")
	}
	field := func(err error) string {
		if e, ok := err.(*fieldportal.Error); ok {
			return e.Field
		}
		return ""
	}

	t.Run("fields and files are read, files checked by content", func(t *testing.T) {
		values, files, err := read(mustMultipart(t,
			part{Name: "title", Value: "Leak in plant room"},
			part{Name: "attachments", File: `C:\Users\pat\leak.png`, Data: pngBytes},
			part{Name: "attachments", File: "notes.txt", Data: []byte("Dripping since Monday.\n")},
			part{Name: "description", Value: "Under the boiler"}))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(url.Values{"title": {"Leak in plant room"}, "description": {"Under the boiler"}}, values); diff != "" {
			t.Errorf("values (-want +got):\n%s", diff)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.Name+" "+f.ContentType)
		}
		if diff := cmp.Diff([]string{"leak.png image/png", "notes.txt text/plain"}, got); diff != "" {
			t.Errorf("files (-want +got):\n%s", diff)
		}
	})
	t.Run("an empty file input is no file", func(t *testing.T) {
		values, files, err := read(mustMultipart(t, part{Name: "attachments", File: "", Data: []byte{}}, part{Name: "title", Value: "x"}))
		if err != nil || len(files) != 0 || values.Get("title") != "x" {
			t.Errorf("empty input: %v %v %v", values, files, err)
		}
	})
	refusals := []struct {
		name, file string
		data       []byte
		message    string
	}{
		{"a page that could run script", "invoice.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "“invoice.pdf” is not a file type that can be attached (text/html)."},
		{"an SVG image", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "“logo.svg” is not a file type that can be attached (image/svg+xml)."},
		{"a program", "setup.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), "“setup.exe” is not a file type that can be attached (application/vnd.microsoft.portable-executable)."},
		{"an empty file", "empty.pdf", []byte{}, "“empty.pdf” is empty."},
		{"a file over the limit", "scan.pdf", append([]byte("%PDF-1.7\n"), make([]byte, MaxUploadFileBytes)...), "“scan.pdf” is larger than 1 MB."},
	}
	for _, c := range refusals {
		t.Run("refused: "+c.name+", and what was typed is kept", func(t *testing.T) {
			values, files, err := read(mustMultipart(t, part{Name: "title", Value: "Leak"},
				part{Name: "attachments", File: c.file, Data: c.data}, part{Name: "description", Value: "typed after the file"}))
			if field(err) != "attachments" || fieldportal.ErrorMessage(err) != c.message {
				t.Errorf("error %v, want %q on attachments", err, c.message)
			}
			if files != nil {
				t.Errorf("files returned with a refusal: %d", len(files))
			}
			if values.Get("title") != "Leak" || values.Get("description") != "typed after the file" {
				t.Errorf("typed values lost: %v", values)
			}
		})
	}
	t.Run("refused: more files than allowed", func(t *testing.T) {
		parts := []part{}
		for range MaxUploadFiles + 1 {
			parts = append(parts, part{Name: "attachments", File: "p.png", Data: pngBytes})
		}
		_, _, err := read(mustMultipart(t, parts...))
		if field(err) != "attachments" || !strings.Contains(fieldportal.ErrorMessage(err), "at most 10 files") {
			t.Errorf("11 files: %v", err)
		}
	})
	t.Run("refused: a body over the total limit", func(t *testing.T) {
		big := append([]byte("%PDF-1.7\n"), make([]byte, MaxUploadFileBytes-100)...)
		var parts []part
		for range MaxUploadFiles + 2 {
			parts = append(parts, part{Name: "attachments", File: "a.pdf", Data: big})
		}
		_, _, err := read(mustMultipart(t, parts...))
		if field(err) != "attachments" || !strings.Contains(fieldportal.ErrorMessage(err), "too large together") {
			t.Errorf("12 MB: %v", err)
		}
	})
	t.Run("refused: a field that is not text", func(t *testing.T) {
		_, _, err := read(mustMultipart(t, part{Name: "title", Value: "bad \xff"}))
		if field(err) != "title" {
			t.Errorf("invalid UTF-8: %v", err)
		}
	})
	t.Run("a file under another name is not read", func(t *testing.T) {
		values, files, err := read(mustMultipart(t, part{Name: "other", File: "x.png", Data: pngBytes}, part{Name: "title", Value: "t"}))
		if err != nil || len(files) != 0 || values.Get("title") != "t" || values.Has("other") {
			t.Errorf("other file field: %v %v %v", values, files, err)
		}
	})
	t.Run("a plain form has no files", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/issues/new", strings.NewReader("title=Leak&priority=high"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		values, files, err := read(r)
		if err != nil || len(files) != 0 || values.Get("priority") != "high" {
			t.Errorf("urlencoded: %v %v %v", values, files, err)
		}
	})
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":                      "report.pdf",
		`C:\Users\pat\leak.png`:           "leak.png",
		"../../etc/passwd":                "passwd",
		"bell\a\x00.txt":                  "bell.txt",
		"bad\xff.txt":                     "",
		"/":                               "",
		"photo\u202egpj.exe":              "photogpj.exe",
		"a\u200bb\u2066.pdf":              "ab.pdf",
		"c1\u0085.txt":                    "c1.txt",
		strings.Repeat("é", 150) + ".pdf": strings.Repeat("é", 98) + ".pdf",
	} {
		if got := cleanFileName(in); got != want {
			t.Errorf("cleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
