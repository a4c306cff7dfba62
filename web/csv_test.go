package web

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
)

// The kit's CSV download, on its own: what it sends for a walk that ends
// well, fails before its first row, or fails halfway; with and without
// gzip.
func TestCSV(t *testing.T) {
	for _, gz := range []bool{true, false} {
		name := "identity"
		if gz {
			name = "gzip"
		}
		t.Run(name+"/rows stream as they come", func(t *testing.T) {
			k := testKit(t)
			read := make(chan struct{})
			var gaveUp atomic.Bool
			srv := testChainOf(t, k, func(w http.ResponseWriter, r *http.Request) {
				out := k.CSV(w, r, "sites.csv", "Site", "Postcode")
				err := out.Row("Harbour HQ", "BS1 4AA")
				// The first row must reach the client while the walk is
				// still going: a slow store never delays the download's start.
				gaveUp.Store(waitOrGiveUp(read))
				if err == nil {
					err = out.Row("=cmd()", "-1")
				}
				out.Finish(err)
			})
			res, body := get(t, srv, gz)
			br := bufio.NewReader(body)
			head, _ := br.ReadString('\n')
			first, _ := br.ReadString('\n')
			if want := "\uFEFF\"Site\",\"Postcode\"\r\n\"Harbour HQ\",\"BS1 4AA\"\r\n"; head+first != want {
				t.Errorf("start of the file %q, want %q", head+first, want)
			}
			if gaveUp.Load() {
				t.Fatal("the first row did not reach the client before the walk ended")
			}
			close(read)
			rest, err := io.ReadAll(br)
			if err != nil {
				t.Fatalf("read the rest: %v", err)
			}
			if want := "\"'=cmd()\",\"'-1\"\r\n"; string(rest) != want {
				t.Errorf("rest of the file %q, want %q (cells guarded against formulas)", rest, want)
			}
			for h, want := range map[string]string{
				"Content-Type":        "text/csv; charset=utf-8",
				"Content-Disposition": `attachment; filename=sites.csv`,
				"Cache-Control":       "no-store",
			} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
		t.Run(name+"/no rows is the header row", func(t *testing.T) {
			k := testKit(t)
			srv := testChainOf(t, k, func(w http.ResponseWriter, r *http.Request) {
				k.CSV(w, r, "sites.csv", "Site", "Postcode").Finish(nil)
			})
			_, body := get(t, srv, gz)
			b, err := io.ReadAll(body)
			if err != nil || string(b) != "\uFEFF\"Site\",\"Postcode\"\r\n" {
				t.Errorf("body %q, %v", b, err)
			}
		})
		t.Run(name+"/an error before the first row is an error page", func(t *testing.T) {
			k := testKit(t)
			srv := testChainOf(t, k, func(w http.ResponseWriter, r *http.Request) {
				k.CSV(w, r, "sites.csv", "Site").Finish(fieldportal.FieldErrorf("after", "The page cursor is not valid."))
			})
			res, _ := get(t, srv, false) // error pages are not compressed
			if res.StatusCode != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("status %d, Content-Type %q, want the 400 page", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if cd := res.Header.Get("Content-Disposition"); cd != "" {
				t.Errorf("the error page is a download: %q", cd)
			}
		})
		t.Run(name+"/an error after the first row aborts the download", func(t *testing.T) {
			k := testKit(t)
			srv := testChainOf(t, k, func(w http.ResponseWriter, r *http.Request) {
				out := k.CSV(w, r, "sites.csv", "Site")
				for range 3 {
					if err := out.Row("Harbour HQ"); err != nil {
						t.Error(err)
					}
				}
				out.Finish(errors.New("connection reset by the database"))
			})
			res, body := get(t, srv, gz)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if b, err := io.ReadAll(body); err == nil {
				t.Errorf("the cut-off file %q read as complete", b)
			}
		})
	}
}

// Every cell that a spreadsheet would run as a formula is shown as text.
func TestCSVCells(t *testing.T) {
	got := csvCells("=1+1", "+44", "-1", "@SUM(A1)", "\t=x", "\r=x", "plain", "", "a=b")
	want := []string{"'=1+1", "'+44", "'-1", "'@SUM(A1)", "'\t=x", "'\r=x", "plain", "", "a=b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("csvCells (-want +got):\n%s", diff)
	}
	// The file reads back as the guarded text.
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(got)
	w.Flush()
	back, err := csv.NewReader(strings.NewReader(b.String())).Read()
	if err != nil || !cmp.Equal(back, want) {
		t.Errorf("read back %q, %v", back, err)
	}
}

// Every cell is quoted, so a ";" inside one keeps the text after it in the
// same cell also where a spreadsheet splits lines on ";" (found by review:
// "Dock;=HYPERLINK(...)" became a formula cell of its own there).
func TestCSVFormulaAfterSemicolon(t *testing.T) {
	k := testKit(t)
	rec := httptest.NewRecorder()
	c := k.CSV(rec, httptest.NewRequest("GET", "/sites.csv", nil), "sites.csv", "Site")
	if err := c.Row("Dock;=HYPERLINK(CHAR(104)&A1)"); err != nil {
		t.Fatal(err)
	}
	c.Finish(nil)
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\uFEFF")))
	r.Comma, r.FieldsPerRecord = ';', -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("read with ';' as the separator, %q has the formula cell %q", rec.Body.String(), cell)
			}
		}
	}
	if len(rows) != 2 || len(rows[1]) != 1 {
		t.Errorf("rows %q, want the header and one row of one cell", rows)
	}
}
