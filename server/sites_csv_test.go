package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestSitesCSVIsTheList checks that the streamed CSV holds exactly the
// rows of the list's pages, in their order, for each contact's scope and
// with a search.
func TestSitesCSVIsTheList(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		for i := range 12 {
			f.addSite("", fmt.Sprintf("Quay %02d", i), []string{"parent", "child"}[i%2], "BS8 4RU")
		}
		for _, tc := range []struct {
			name, login, query string
			rows               int
		}{
			{"parent", "parent@example.test", "", 14},
			{"child", "child@example.test", "", 7},
			{"parent searching", "parent@example.test", "quay", 12},
			{"child searching", "child@example.test", "QUAY", 6},
			{"search matching nothing", "parent@example.test", "no such site", 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := f.browser()
				b.login(tc.login, testPassword)
				res, body := b.get("/sites.csv?q=" + strings.ReplaceAll(tc.query, " ", "+"))
				wantStatus(t, "CSV", res, body, http.StatusOK)
				got, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
				if err != nil {
					t.Fatalf("CSV does not parse: %v", err)
				}
				want := [][]string{{"Site", "Address", "Postcode", "Customer", "Open activities"}}
				want = append(want, f.siteListRows(t, tc.login, tc.query)...)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("CSV differs from the list's pages (-pages +CSV):\n%s", diff)
				}
				if len(got)-1 != tc.rows {
					t.Errorf("CSV has %d rows, want %d", len(got)-1, tc.rows)
				}
			})
		}
	})
}

// siteListRows pages through the sites list of the login as the store
// gives it, as the CSV's rows.
func (f *fixture) siteListRows(t *testing.T, login, search string) [][]string {
	t.Helper()
	ctx := context.Background()
	v, err := f.db.ViewerForLogin(ctx, f.org.ID, f.logins[login].ID)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	filter := fieldportal.SiteFilter{Search: search, WithActivity: true, Page: fieldportal.Page{Limit: 5}}
	for {
		page, next, err := f.db.FindSites(ctx, v, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			a := s.Address
			a.Postcode = ""
			rows = append(rows, []string{s.Name, a.OneLine(), s.Address.Postcode, s.CustomerName, strconv.Itoa(s.OpenActivities)})
		}
		if next == "" {
			return rows
		}
		filter.After = next
	}
}

// faultySites is the store's site service whose walk fails after it has
// given some rows, as a database that goes away halfway would.
type faultySites struct {
	fieldportal.SiteService
	after int
}

var errWalk = errors.New("the database went away")

func (s faultySites) EachSite(ctx context.Context, v fieldportal.Viewer, f fieldportal.SiteFilter, fn func(*fieldportal.Site) error) error {
	n := 0
	return s.SiteService.EachSite(ctx, v, f, func(site *fieldportal.Site) error {
		if n == s.after {
			return errWalk
		}
		n++
		return fn(site)
	})
}

// TestSitesCSVFailure: a walk that fails before its first row gets the
// error page; one that fails after the download began breaks it off, so
// the client sees a failed download rather than a short file that looks
// whole (with gzip, too).
func TestSitesCSVFailure(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		for i := range 5 {
			f.addSite("", fmt.Sprintf("Quay %02d", i), "parent", "BS8 4RU")
		}
		b := f.browser()
		b.login("parent@example.test", testPassword)
		session := b.session()
		for _, tc := range []struct {
			name  string
			after int
			gzip  bool
		}{
			{"before the first row", 0, false},
			{"after two rows", 2, false},
			{"after two rows, gzipped", 2, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, logs := newTestServer(t, db, testConfig{BaseURL: "http://portal.test", Hasher: auth.TestHasher(),
					Sites: faultySites{SiteService: db, after: tc.after}})
				srv := httptest.NewServer(s.Handler())
				t.Cleanup(srv.Close)
				req, _ := http.NewRequest("GET", srv.URL+"/sites.csv", nil)
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
				if tc.gzip {
					req.Header.Set("Accept-Encoding", "gzip") // the transport then leaves the body as sent
				}
				res, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				body, readErr := io.ReadAll(res.Body)
				if tc.after == 0 {
					if res.StatusCode != http.StatusInternalServerError || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
						t.Errorf("status %d, Content-Type %q, want the 500 page", res.StatusCode, res.Header.Get("Content-Type"))
					}
					return
				}
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want the download begun", res.StatusCode)
				}
				if readErr == nil {
					t.Errorf("the cut-off download read as complete:\n%q", body)
				}
				if !strings.Contains(logs.String(), errWalk.Error()) {
					t.Errorf("the failure is not logged:\n%s", logs)
				}
			})
		}
	})
}

// discardWriter is a response writer that keeps nothing of the body: it
// counts its lines and, every few writes, calls sample.
type discardWriter struct {
	header http.Header
	status int
	lines  int
	writes int
	sample func()
}

func (d *discardWriter) Header() http.Header { return d.header }

func (d *discardWriter) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

func (d *discardWriter) Write(b []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	d.lines += bytes.Count(b, []byte("\n"))
	if d.writes++; d.writes%16 == 0 {
		d.sample()
	}
	return len(b), nil
}

func (d *discardWriter) Flush() {}

// csvMemory is what a CSV download cost: the bytes allocated per row and
// the most heap it kept alive at once beyond what was live before it.
type csvMemory struct {
	rows        int
	allocPerRow float64
	peakLive    int64
}

// measureSitesCSV downloads /sites.csv with the session into a writer
// that discards it, collecting garbage every few writes so that the heap
// read then is what the download keeps alive.
func measureSitesCSV(t *testing.T, h http.Handler, session string) csvMemory {
	t.Helper()
	req := httptest.NewRequest("GET", "/sites.csv", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	var before, m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peak := before.HeapAlloc
	w := &discardWriter{header: http.Header{}, sample: func() {
		runtime.GC()
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc)
	}}
	h.ServeHTTP(w, req)
	runtime.ReadMemStats(&m)
	if w.status != http.StatusOK {
		t.Fatalf("status %d", w.status)
	}
	rows := w.lines - 1
	return csvMemory{rows: rows, allocPerRow: float64(m.TotalAlloc-before.TotalAlloc) / float64(rows),
		peakLive: int64(peak) - int64(before.HeapAlloc)}
}

// mustBulkSites adds n sites of a customer, 500 to a statement.
func mustBulkSites(t *testing.T, db *sqlstore.DB, orgID, customerID, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	for done := 0; done < n; {
		var sql strings.Builder
		sql.WriteString("INSERT INTO sites (id, org_id, customer_id, name, address_line1, city, postcode, created_at, updated_at) VALUES ")
		args := []any{orgID, customerID, now}
		for i := 0; i < 500 && done < n; i, done = i+1, done+1 {
			if i > 0 {
				sql.WriteString(", ")
			}
			p := len(args)
			fmt.Fprintf(&sql, "($%d, $1, $2, $%d, $%d, 'Bristol', 'BS1 6XN', $3, $3)", p+1, p+2, p+3)
			args = append(args, sqlstore.NewID(), fmt.Sprintf("%s %06d", prefix, done), fmt.Sprintf("%d Long Wharf Road", done))
		}
		if _, err := db.SQL().ExecContext(ctx, sql.String(), args...); err != nil {
			t.Fatalf("insert sites: %v", err)
		}
	}
}

// TestSitesCSVMemory streams 2,000 and then 20,000 sites through the
// handler into a writer that discards them: the download must cost the
// same bytes per row at both sizes and keep no more alive at the larger.
// A store that gathered the rows first keeps about 11 MB alive at 20,000
// (tried), against some 8 kB streamed. It asserts no timings.
func TestSitesCSVMemory(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		mustBulkSites(t, db, f.org.ID, f.cust["child"].ID, "Small", 2000-1)
		mustBulkSites(t, db, f.org.ID, f.cust["parent"].ID, "Large", 18000-1)
		sessions := map[string]string{}
		for _, login := range []string{"child@example.test", "parent@example.test"} {
			b := f.browser()
			b.login(login, testPassword)
			sessions[login] = b.session()
		}
		h := f.s.Handler()
		measureSitesCSV(t, h, sessions["child@example.test"]) // warm the caches
		small := measureSitesCSV(t, h, sessions["child@example.test"])
		large := measureSitesCSV(t, h, sessions["parent@example.test"])
		t.Logf("%d rows: %.0f B allocated a row, %d B more live at most", small.rows, small.allocPerRow, small.peakLive)
		t.Logf("%d rows: %.0f B allocated a row, %d B more live at most", large.rows, large.allocPerRow, large.peakLive)
		if small.rows != 2000 || large.rows != 20000 {
			t.Fatalf("streamed %d and %d rows, want 2000 and 20000", small.rows, large.rows)
		}
		// The fixed cost of a request weighs on the smaller's rows, so the
		// larger's may only be cheaper, give or take noise.
		if large.allocPerRow > small.allocPerRow*1.1 {
			t.Errorf("a row costs %.0f B at 20,000 rows but %.0f B at 2,000: its cost grows with the file", large.allocPerRow, small.allocPerRow)
		}
		// Gathering 18,000 more sites would keep megabytes alive.
		if large.peakLive > small.peakLive+512<<10 {
			t.Errorf("20,000 rows kept %d B alive, 2,000 rows %d B: the download gathers its rows", large.peakLive, small.peakLive)
		}
	})
}
