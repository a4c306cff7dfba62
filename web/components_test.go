package web

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
)

// renderComponents renders a page made of body with the kit's layout and
// components, as ParsePages parses every page.
func renderComponents(t *testing.T, body string, data any) string {
	t.Helper()
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{assets: assets}
	pages, err := k.ParsePages(fstest.MapFS{"t.html": {Data: []byte(body)}}, "t.html")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pages.set["t"].ExecuteTemplate(&buf, "t.html", data); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func wantIn(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %s:\n%s", w, got)
		}
	}
}

// TestStyleguideComponents renders every component with the typed demo
// values of the style guide: a field a component reads that its type
// lacks fails here, not on a customer's page.
func TestStyleguideComponents(t *testing.T) {
	sg := StyleguideDemo("GBP")
	out := renderComponents(t, `{{template "filterBar" .Filters}}{{template "listBar" (dict "Count" .Count "CSVURL" .CSVURL "CSVWhat" "of the invoices")}}`+
		`{{template "table" .Table}}{{template "pager" .Pager}}{{range .Badges}}{{template "badge" .}}{{end}}`+
		`{{template "recordHeader" .Record}}{{template "tabs" (dict "Label" "Order" "Tabs" .Tabs)}}{{template "details" .Details}}`+
		`{{$c := .Currency}}{{range .Amounts}}{{template "money" (dict "Currency" $c "Amount" .Amount)}}{{end}}`+
		`{{template "empty" .Empty}}{{range .Notices}}{{template "notice" .}}{{end}}{{template "errorSummary" .FormErrors}}`+
		`{{range .Fields}}{{template "field" .}}{{end}}{{template "choices" .Checks}}{{template "choices" .Radios}}`, sg)
	wantIn(t, out,
		// the list
		`role="search"`, `<input type="hidden" name="sort" value="-issued">`, `<option value="unpaid" selected>Unpaid</option>`,
		`type="date" value="2026-01-01"`, `>Clear</a>`, "Showing 5 of 1,204 invoices", `download>Download CSV`,
		`aria-sort="descending"`, `<span class="sort-arrow" aria-hidden="true">▼</span>`, `<th scope="col" class="num sortable">`,
		`<th scope="row" data-label="Invoice"><a href="/console/styleguide#invoice-INV-10482">INV-10482</a></th>`,
		`<td data-label="Amount" class="num">£1,234,567.89</td>`, `<td data-label="Amount" class="num">-£250.00</td>`,
		`<span class="badge badge-danger">Overdue</span>`, `rel="prev">Previous page</a>`, `rel="next">Next page</a>`,
		// the record
		`<h1>Service order SO-20931</h1>`, `<button type="submit" class="button danger">Cancel order</button>`,
		`<a class="button secondary" href="/console/styleguide#pdf">Download PDF</a>`, `aria-current="page">Overview</a>`,
		`<dt>Address</dt><dd>Unit 4, Dock Road<br>Avonmouth`, `<dd class="pre">Keys at reception.`,
		`<span class="money">£1,234,567.89</span>`, `<span class="money negative">-£250.00</span>`,
		// the rest
		`<h2>No invoices match these filters</h2>`, `<p class="notice notice-error" role="alert">`, `<p class="notice" role="status">`,
		`inputmode="numeric"`, `<textarea id="notes" name="notes"`, `<select id="priority" name="priority"`, `<option value="normal" selected>`,
		`aria-describedby="email-hint email-error"`, `Phone <span class="optional">(optional)</span>`,
		`<fieldset id="consent" class="choices field-invalid"`, `<input type="radio" name="window" value="am" checked>`,
	)
}

// TestComponentsFromDicts: a page may pass a dict instead of a kit type,
// and a key it leaves out is empty.
func TestComponentsFromDicts(t *testing.T) {
	out := renderComponents(t, `{{template "badge" (dict "Text" "Overdue")}}{{template "notice" (dict "Text" "Saved.")}}`+
		`{{template "pager" (dict "FirstURL" "/sites?q=tower")}}{{template "pager" (dict)}}`+
		`{{template "resultCount" (dict "Shown" 3 "Total" 3 "One" "site" "Many" "sites")}}{{template "resultCount" (dict "Shown" 1 "Total" 1 "One" "site" "Many" "sites")}}`+
		`{{template "resultCount" (dict "Shown" 25 "Total" -1 "One" "site" "Many" "sites")}}`+
		`{{template "recordHeader" (dict "Title" "Dock" "Subtitle" "Harbourside")}}`+
		`{{template "field" (dict "Name" "q" "Label" "Search" "Type" "search" "Required" true)}}`, nil)
	wantIn(t, out, `<span class="badge badge-neutral">Overdue</span>`, `<p class="notice" role="status">Saved.</p>`,
		`<a class="pager-first" href="/sites?q=tower">First page</a>`, "3 sites", "1 site<", "Showing 25 sites",
		`<h1>Dock</h1>`, `<p class="record-subtitle">Harbourside</p>`, `<input id="q" name="q" required type="search">`)
	if strings.Count(out, `<nav class="pager"`) != 1 || strings.Contains(out, "<no value>") || strings.Contains(out, `class="breadcrumb"`) {
		t.Errorf("empty parts were rendered:\n%s", out)
	}
}

func TestNumberText(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1204: "1,204", 1234567: "1,234,567", -1204: "-1,204"} {
		if got := NumberText(n); got != want {
			t.Errorf("NumberText(%d) = %q, want %q", n, got, want)
		}
	}
}

// A row with more cells than the table has columns (a column left out
// for one viewer but not its cells) still renders: the extra cells have
// no column label, and the page is not a 500.
func TestTableRowLongerThanColumns(t *testing.T) {
	tbl := Table{Caption: "Sites", Columns: []Column{{Label: "Site"}},
		Rows: [][]Cell{{LinkCell("Dock", "/sites/1"), TextCell("3")}}}
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{assets: assets}
	pages, err := k.ParsePages(fstest.MapFS{"t.html": {Data: []byte(`{{template "table" .}}`)}}, "t.html")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pages.set["t"].ExecuteTemplate(&buf, "t.html", tbl); err != nil {
		t.Fatalf("render: %v", err)
	}
	wantIn(t, buf.String(), `<th scope="row" data-label="Site"><a href="/sites/1">Dock</a></th>`, `<td>3</td>`)
}
