package web

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"testing/fstest"
)

// BenchmarkTable renders a list page's table of 50 rows and six columns,
// as the sites list and the console's lists show them: the component kit
// is most of a list page's own time (issue 15).
func BenchmarkTable(b *testing.B) {
	assets, err := loadAssets()
	if err != nil {
		b.Fatal(err)
	}
	k := &Kit{assets: assets}
	pages, err := k.ParsePages(fstest.MapFS{"t.html": {Data: []byte(`{{template "table" .}}`)}}, "t.html")
	if err != nil {
		b.Fatal(err)
	}
	t := Table{Caption: "Job sites", Columns: []Column{{Label: "Site", SortURL: "/sites?sort=name", Sort: "asc"},
		{Label: "Address"}, {Label: "Postcode"}, {Label: "Customer"}, {Label: "UPRN"}, {Label: "Open activities", Numeric: true}}}
	for i := range 50 {
		t.Rows = append(t.Rows, []Cell{LinkCell(fmt.Sprintf("Site <%d> & Sons", i), fmt.Sprintf("/sites/019a-%d", i)),
			TextCell("12 High Street, Bristol"), TextCell("BS1 6DZ"), TextCell("Avon Estates"), TextCell("100012345678"),
			TextCell(fmt.Sprint(i))})
	}
	var buf bytes.Buffer
	if err := pages.set["t"].ExecuteTemplate(&buf, "t.html", t); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := pages.set["t"].ExecuteTemplate(io.Discard, "t.html", t); err != nil {
			b.Fatal(err)
		}
	}
}
