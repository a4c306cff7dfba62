package web

import (
	"bytes"
	"testing"
	"testing/fstest"
)

// RowsHTML writes what the tableRows template writes, byte for byte, for
// hostile text, labels, hints, badges and addresses; a link the template
// would filter or normalise leaves the rows to the template.
func TestTableRowsHTML(t *testing.T) {
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{assets: assets}
	pages, err := k.ParsePages(fstest.MapFS{
		"rule.html":  {Data: []byte(`{{template "tableRows" .}}`)},
		"fast.html":  {Data: []byte(`{{.RowsHTML}}`)},
		"table.html": {Data: []byte(`{{template "table" .}}`)},
	}, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	render := func(t *testing.T, page string, tb Table) string {
		t.Helper()
		var buf bytes.Buffer
		if err := pages.set[page].ExecuteTemplate(&buf, page+".html", tb); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	hostile := []string{"", "plain", `<script>alert("x")</script>`, `' onmouseover='x`, "a&b+c", "null\x00byte", "bad utf-8 \xff\xfe",
		"ünïcödé ✓", "{{.}}", "</td></tr></table>", "&amp; already", "tab\tnew\nline"}
	plain := []string{"/sites/019a-1", "/sites?q=a+b&sort=-name", "/x/%2F%2f", "?after=WyJ9", "#invoice-INV-1", "/a:b;c@d!$*,=~._-"}
	cols := []Column{{Label: "Site"}, {Label: `Open "jobs" & <more>`, Numeric: true}, {Label: "Status"}}
	var rows [][]Cell
	for i, h := range hostile {
		rows = append(rows, []Cell{
			LinkCell(h, plain[i%len(plain)]),
			{Text: h, Hint: h},
			{Badge: &Badge{Text: h, Tone: hostile[(i+1)%len(hostile)]}},
			{Text: "beyond the columns " + h, URL: plain[(i+1)%len(plain)]},
		})
		// A picture beside a cell's text, a link or a badge (a technician's
		// face in the diary).
		rows = append(rows, []Cell{
			{Text: h, Image: plain[i%len(plain)], Header: true},
			{Text: h, URL: plain[(i+2)%len(plain)], Image: plain[(i+1)%len(plain)], Hint: h},
			{Badge: &Badge{Text: h}, Image: plain[(i+3)%len(plain)]},
		})
	}
	tb := Table{Caption: "c", Columns: cols, Rows: rows}
	t.Run("the same bytes as the template", func(t *testing.T) {
		rule, fast := render(t, "rule", tb), render(t, "fast", tb)
		if rule != fast {
			t.Errorf("RowsHTML differs from the template:\nrule: %q\nfast: %q", rule, fast)
		}
		if !bytes.Contains([]byte(fast), []byte(`<img class="avatar" src="/sites/019a-1" alt="" width="40" height="40"> `)) {
			t.Errorf("no picture in %q", fast)
		}
		if !bytes.Contains([]byte(fast), []byte("&lt;script&gt;")) {
			t.Errorf("no escaped text in %q", fast)
		}
	})
	t.Run("a link that is not a plain path goes to the template", func(t *testing.T) {
		for _, u := range []string{"javascript:alert(1)", "JavaScript:x", "//evil.test/x", "https://example.test/x", "/a b", "/é", `/a"b`, "/a<b", "/a'b", "/%zz", "relative", "/a\\b", "?a:b", "#x:y", "?mailto:x", "#data:text/html,x"} {
			one := Table{Columns: cols, Rows: [][]Cell{{LinkCell("x", u)}}}
			if got := one.RowsHTML(); got != "" {
				t.Errorf("%q written in Go: %s", u, got)
			}
			if got := (Table{Columns: cols, Rows: [][]Cell{{{Text: "x", Image: u}}}}).RowsHTML(); got != "" {
				t.Errorf("picture %q written in Go: %s", u, got)
			}
			// The table as a page shows it is still the template's.
			if got, want := render(t, "table", one), render(t, "rule", one); !bytes.Contains([]byte(got), []byte(want)) {
				t.Errorf("%q: the table lacks the template's rows %q:\n%s", u, want, got)
			}
		}
	})
}
