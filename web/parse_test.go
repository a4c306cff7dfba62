package web

import (
	"bytes"
	"fmt"
	"slices"
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

// TestParsePagesKitCalls checks that a page gets the kit's templates it
// calls, through its own templates and every kind of branch, that its
// own definition of a kit template wins over the kit's, and that it holds
// none of the kit's templates it cannot call.
func TestParsePagesKitCalls(t *testing.T) {
	k := &Kit{}
	fsys := fstest.MapFS{
		// "badge" is the kit's, redefined by page a; "wrap" is a's own.
		"a.html": {Data: []byte(`{{define "badge"}}MINE{{end}}{{define "wrap"}}[{{template "badge" .}}]{{end}}` +
			`{{with .}}{{range .}}{{if .}}{{template "wrap" .}}{{else}}{{template "pager" .}}{{end}}{{end}}{{else}}{{template "empty" .}}{{end}}`)},
		"b.html": {Data: []byte(`{{range .}}{{else}}{{template "badge" .}}{{end}}`)},
	}
	pages, err := k.ParsePages(fsys, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pages.set["a"].ExecuteTemplate(&buf, "a.html", []int{1}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "[MINE]" {
		t.Errorf("a rendered %q, want [MINE]", buf.String())
	}
	for page, want := range map[string][]string{
		"a": {"a.html", "badge", "wrap", "pager", "empty"},
		"b": {"b.html", "badge"},
	} {
		var got []string
		for _, x := range pages.set[page].Templates() {
			got = append(got, x.Name())
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("page %s holds %v, want %v", page, got, want)
		}
	}
	if buf.Reset(); pages.set["b"].ExecuteTemplate(&buf, "b.html", nil) != nil || buf.String() == "MINE" {
		t.Errorf("b rendered %q: a's badge leaked into b, or the kit's badge is missing", buf.String())
	}
}
