package web

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// TestParsePagesKeepsPagesApart checks that pages parsed from shared
// copies of the kit stay apart: each page's own "content" and its own
// redefinition of a kit template are its alone, whatever worker copied
// it, and a page that fails to parse is named.
func TestParsePagesKeepsPagesApart(t *testing.T) {
	k := &Kit{}
	fsys := fstest.MapFS{}
	const n = 40
	for i := range n {
		fsys[fmt.Sprintf("p%02d.html", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			`{{define "content"}}page-%02d{{end}}{{define "kit-probe"}}probe-%02d{{end}}{{template "content" .}}|{{template "kit-probe" .}}`, i, i))}
	}
	pages, err := k.ParsePages(fsys, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("p%02d", i)
		var buf bytes.Buffer
		if err := pages.set[name].ExecuteTemplate(&buf, name+".html", nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := fmt.Sprintf("page-%02d|probe-%02d", i, i); buf.String() != want {
			t.Errorf("%s rendered %q, want %q", name, buf.String(), want)
		}
	}

	t.Run("a broken page is named", func(t *testing.T) {
		fsys["p07.html"] = &fstest.MapFile{Data: []byte(`{{if}}`)}
		_, err := k.ParsePages(fsys, "*.html")
		if err == nil || !strings.Contains(err.Error(), "p07.html") {
			t.Errorf("ParsePages = %v, want an error naming p07.html", err)
		}
	})
}
