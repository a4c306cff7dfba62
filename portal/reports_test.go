package portal

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/pdf"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/web"
)

var updateReports = flag.Bool("update-reports", false, "rewrite the reports' golden files in testdata/reports")

// reportsWorld is a fixed data set for the reports, seen on Wednesday
// 28 January 2026 (week 4):
//
//	Group: North (alarms A1, A2 on contract Gold; extinguishers E1, E2), South (alarm S1)
//
// tests in January on jobs J-N1 (North) and J-S1 (South), assets due in
// February, E1 booked on open job J-N2 due in week 7.
type reportsWorld struct {
	tb           testing.TB
	db           *sqlstore.DB
	p            *Portal
	org          *fieldportal.Organisation
	north, south *fieldportal.Site
	viewers      map[string]fieldportal.Viewer
}

func mustReportsWorld(t *testing.T, db *sqlstore.DB) *reportsWorld {
	t.Helper()
	ctx := context.Background()
	w := &reportsWorld{tb: t, db: db, viewers: map[string]fieldportal.Viewer{}}
	w.org = &fieldportal.Organisation{Name: "Acme Fire", Currency: "GBP", TimeZone: "Europe/London"}
	must(t, "organisation", db.CreateOrganisation(ctx, w.org))
	sys := fieldportal.SystemViewer(w.org.ID, "test")
	group := &fieldportal.Customer{Name: "Group"}
	must(t, "customer", db.CreateCustomer(ctx, sys, group))
	site := func(name string) *fieldportal.Site {
		s := &fieldportal.Site{Name: name, CustomerID: group.ID, Address: fieldportal.Address{Line1: "1 " + name + " Road"}}
		must(t, "site", db.CreateSite(ctx, sys, s))
		return s
	}
	w.north, w.south = site("North"), site("South")
	d := func(m time.Month, day int) fieldportal.Date { return fieldportal.Date{Year: 2026, Month: m, Day: day} }
	asset := func(s *fieldportal.Site, typ, num, level string, due fieldportal.Date) *fieldportal.Asset {
		a := &fieldportal.Asset{SiteID: s.ID, Type: typ, Number: num, Name: typ + " " + num, Location: "Hall", ServiceLevel: level,
			NextServiceDue: due, Status: "active"}
		must(t, "asset", db.CreateAsset(ctx, sys, a))
		return a
	}
	a1, a2 := asset(w.north, "Alarm", "A1", "Gold", d(2, 2)), asset(w.north, "Alarm", "A2", "Gold", d(2, 3))
	e1, e2 := asset(w.north, "Extinguisher", "E1", "", d(2, 10)), asset(w.north, "Extinguisher", "E2", "", d(1, 29))
	s1 := asset(w.south, "Alarm", "S1", "", d(2, 2))
	job := func(s *fieldportal.Site, num string, stage fieldportal.JobStage, due fieldportal.Date, assets ...string) *fieldportal.Job {
		j := &fieldportal.Job{SiteID: s.ID, Number: num, Kind: fieldportal.JobService, Stage: stage, DueDate: due, AssetIDs: assets}
		must(t, "job", db.CreateJob(ctx, sys, j))
		return j
	}
	jn1, js1 := job(w.north, "J-N1", fieldportal.StageComplete, fieldportal.Date{}), job(w.south, "J-S1", fieldportal.StageComplete, fieldportal.Date{})
	job(w.north, "J-N2", fieldportal.StageScheduled, d(2, 17), e1.ID)
	test := func(a *fieldportal.Asset, j *fieldportal.Job, on fieldportal.Date, r fieldportal.TestResult, notes string) {
		must(t, "test", db.CreateAssetTest(ctx, sys, &fieldportal.AssetTest{AssetID: a.ID, JobID: j.ID, TestedOn: on, Result: r,
			Technician: "Sam Tech", Notes: notes}))
	}
	test(e1, jn1, d(1, 5), fieldportal.TestPass, "")
	test(e2, jn1, d(1, 11), fieldportal.TestPass, "") // the Sunday that ends week 1
	test(e1, jn1, d(1, 13), fieldportal.TestNotTested, "No access")
	test(a1, js1, d(1, 14), fieldportal.TestPass, "")
	test(a2, jn1, d(1, 15), fieldportal.TestFail, "Sounder dead")
	test(a1, jn1, d(1, 15), fieldportal.TestNotTested, "Locked room")
	test(a1, jn1, d(1, 2), fieldportal.TestFail, "2025's last week")
	test(s1, js1, d(1, 20), fieldportal.TestFail, "Battery low")

	login := func(name string, access fieldportal.SiteAccess, sites ...*fieldportal.Site) {
		ct := &fieldportal.Contact{FirstName: name, CustomerID: group.ID, Email: name + "@example.test"}
		must(t, "contact", db.CreateContact(ctx, sys, ct))
		l := &fieldportal.PortalLogin{ContactID: ct.ID, Username: ct.Email, Status: fieldportal.LoginActive,
			Pages: fieldportal.Modules(fieldportal.AllModules), SiteAccess: access, PasswordHash: "x"}
		for _, s := range sites {
			l.SiteIDs = append(l.SiteIDs, s.ID)
		}
		must(t, "login", db.CreatePortalLogin(ctx, sys, l))
		v, err := db.ViewerForLogin(ctx, w.org.ID, l.ID)
		must(t, "viewer", err)
		w.viewers[name] = v
	}
	login("all", fieldportal.SiteAccessAll)
	login("south", fieldportal.SiteAccessAssigned, w.south)
	w.viewers["staff"] = fieldportal.NewStaffViewer(w.org.ID, "", "Staff", fieldportal.RoleStaff)

	kit, err := web.New(web.Config{}, web.Deps{Orgs: db, Ready: db}, nil)
	must(t, "kit", err)
	w.p, err = New(kit, Services{SignIn: sqlstore.NewAccounts(db, sqlstore.AccountsConfig{}), Access: sqlstore.NewAccounts(db, sqlstore.AccountsConfig{}),
		Sites: db, Dashboard: db, Equipment: db, Work: db, Diary: db, Orgs: db, Money: db})
	must(t, "portal", err)
	was := reportClock
	reportClock = func() time.Time { return time.Date(2026, 1, 28, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { reportClock = was })
	return w
}

// get calls a handler as a viewer.
func (w *reportsWorld) get(viewer, target string, h http.HandlerFunc) (int, string) {
	w.tb.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r = r.WithContext(web.ContextWithViewer(web.ContextWithOrganisation(r.Context(), w.org), w.viewers[viewer]))
	rec := httptest.NewRecorder()
	h(rec, r)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

// golden compares got with testdata/reports/name, or rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "reports", name)
	if *updateReports {
		must(t, "mkdir", os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, "write", os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	must(t, "read golden (go test -run TestReportsGolden ./portal/ -update-reports writes it)", err)
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// gridText writes the grid's view model as text: a row per asset type,
// a column per week that holds something, "|" before the current week.
func gridText(g *ppmGridView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", g.Caption, g.Current)
	for _, r := range g.Rows {
		fmt.Fprintf(&b, "%-13s", r.Type)
		for i, c := range r.Cells {
			mark := " "
			if c.Current {
				mark = "|"
			}
			text := "."
			if c.Number != "" {
				text = c.Number + c.Key
				if c.Bubble > 0 {
					text += fmt.Sprintf("(%dN)", c.Bubble)
				}
				if strings.Contains(c.Class, "shade") {
					text += c.Class[len(c.Class)-1:]
				}
			}
			if i < 10 {
				fmt.Fprintf(&b, "%s%-7s", mark, text)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestReportsGolden(t *testing.T) {
	pdftest.NeedTools(t)
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustReportsWorld(t, db)
		north := url.QueryEscape(w.north.ID)
		t.Run("ppm grid", func(t *testing.T) {
			pq := ppmQuery{Site: w.north.ID, Filter: fieldportal.PPMFilter{Year: 2026, SiteID: w.north.ID}}
			g, err := db.FindPPM(context.Background(), w.viewers["all"], pq.Filter, fieldportal.Date{Year: 2026, Month: 1, Day: 28})
			must(t, "ppm", err)
			golden(t, "ppm_grid.txt", gridText(newPPMGridView(g, pq, "North")))
		})
		for _, c := range []struct {
			name, target string
			h            http.HandlerFunc
			pdf          bool
		}{
			{"ppm.csv", "/reports/ppm.csv?year=2026&site=" + north, w.p.handlePPMCSV, false},
			{"ppm.pdf.txt", "/reports/ppm.pdf?year=2026&site=" + north, w.p.handlePPMPDF, true},
			{"defects.csv", "/reports/defects.csv", w.p.handleDefectsCSV, false},
			{"defects.pdf.txt", "/reports/defects.pdf", w.p.handleDefectsPDF, true},
			{"tests.csv", "/reports/tests.csv?type=Alarm&from=2026-01-03", w.p.handleTestsCSV, false},
			{"tests.pdf.txt", "/reports/tests.pdf?type=Alarm&from=2026-01-03", w.p.handleTestsPDF, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				code, body := w.get("all", c.target, c.h)
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, body)
				}
				if c.pdf {
					body = pdftest.MustText(t, []byte(body))
				}
				golden(t, c.name, body)
			})
		}
		t.Run("a PDF over the cap says so", func(t *testing.T) {
			was := pdf.MaxReportRows
			pdf.MaxReportRows = 2
			t.Cleanup(func() { pdf.MaxReportRows = was })
			code, body := w.get("all", "/reports/tests.pdf?type=Alarm", w.p.handleTestsPDF)
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			text := pdftest.MustText(t, []byte(body))
			if !strings.Contains(text, "This printout shows the first 2 rows.") || strings.Count(text, "Sam Tech") != 2 {
				t.Errorf("the capped printout:\n%s", text)
			}
		})
		t.Run("defects page", func(t *testing.T) {
			_, body := w.get("all", "/reports/defects", w.p.handleDefects)
			for _, s := range []string{"S1", "Battery low", "A2", "Sounder dead", "15 Jan 2026", "2 defects", "Current defects"} {
				if !strings.Contains(body, s) {
					t.Errorf("defects page lacks %q", s)
				}
			}
		})
	})
}

func TestReportsPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustReportsWorld(t, db)
		north, south := url.QueryEscape(w.north.ID), url.QueryEscape(w.south.ID)
		p := w.p
		for _, c := range []struct {
			name, viewer, target string
			h                    http.HandlerFunc
			status               int
			want, absent         []string
		}{
			{"the grid with the current week, every colour and the key", "all", "/reports/ppm?year=2026&site=" + north, p.handlePPM, 200,
				[]string{"This week", "ppm-now", "ppm-passed", "ppm-untested", "ppm-failed", "ppm-bubble", "ppm-shade-4", "1 failed, 1 not tested", "2 passed",
					`<th scope="row" class="ppm-type">Alarm</th>`, "<caption", "ppm.js"}, nil},
			{"a red cell's details name its jobs", "all", "/reports/ppm?year=2026&site=" + north + "&week=2&type=Alarm", p.handlePPM, 200,
				[]string{`id="ppm-detail"`, "Week 2: Alarm", "12 Jan 2026", "18 Jan 2026", "J-N1", "J-S1"}, nil},
			{"a future cell's details", "all", "/reports/ppm?year=2026&site=" + north + "&week=7&type=Extinguisher", p.handlePPM, 200,
				[]string{"Assets due", "J-N2"}, nil},
			{"without a site the page asks for one", "all", "/reports/ppm", p.handlePPM, 200, []string{"Choose a site"}, []string{"ppm-grid"}},
			{"a contact of one site has its grid at once", "south", "/reports/ppm", p.handlePPM, 200, []string{"ppm-grid", "at South"}, []string{"North"}},
			{"year 99999", "all", "/reports/ppm?year=99999&site=" + north, p.handlePPM, 400, []string{"Year must be between 2000 and 2100."}, []string{"ppm-grid"}},
			{"a year that is no number", "all", "/reports/ppm?year=abc&site=" + north, p.handlePPM, 400, []string{"Year must be a year such as 2026."}, nil},
			{"an unknown site", "all", "/reports/ppm?year=2026&site=nope", p.handlePPM, 400, []string{"There is no such site among yours"}, nil},
			{"another contact's site", "south", "/reports/ppm?year=2026&site=" + north, p.handlePPM, 400, []string{"There is no such site among yours"}, []string{"J-N1", "Extinguisher"}},
			{"a site contact's cell names only its jobs", "south", "/reports/ppm?year=2026&site=" + south + "&week=3&type=Alarm", p.handlePPM, 200,
				[]string{"J-S1", "1 failed"}, []string{"J-N1", "North"}},
			{"the CSV without a site", "all", "/reports/ppm.csv", p.handlePPMCSV, 400, []string{"Choose a site."}, nil},
			{"the PDF of year 99999", "all", "/reports/ppm.pdf?year=99999&site=" + north, p.handlePPMPDF, 400, []string{"Year must be between"}, nil},
			{"defects of an unknown site", "all", "/reports/defects?site=nope", p.handleDefects, 400, []string{"There is no such site among yours"}, nil},
			{"defects CSV of an unknown site", "all", "/reports/defects.csv?site=nope", p.handleDefectsCSV, 400, []string{"There is no such site among yours"}, nil},
			{"defects of a site contact", "south", "/reports/defects", p.handleDefects, 200, []string{"S1", "Battery low"}, []string{"A2", "Sounder dead", "North"}},
			{"a forged cursor", "all", "/reports/defects?after=zzz", p.handleDefects, 400, []string{"The page cursor is not valid"}, nil},
			{"tests with a bad date", "all", "/reports/tests?from=31/01/2026", p.handleTests, 400, []string{"From must be a date such as 2026-01-31."}, nil},
			{"tests ending before they start", "all", "/reports/tests?from=2026-02-01&to=2026-01-01", p.handleTests, 400, []string{"To must be on or after From."}, nil},
			{"tests with an unknown result", "all", "/reports/tests?result=maybe", p.handleTests, 400, []string{"Result must be passed, failed or not tested."}, nil},
			{"tests PDF with a bad date", "all", "/reports/tests.pdf?to=soon", p.handleTestsPDF, 400, []string{"To must be a date"}, nil},
			{"tests of a site contact", "south", "/reports/tests", p.handleTests, 200, []string{"S1"}, []string{"A1", "E1", "No access"}},
			{"staff see every site's tests", "staff", "/reports/tests?result=fail", p.handleTests, 200, []string{"S1", "A2"}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				code, body := w.get(c.viewer, c.target, c.h)
				if code != c.status {
					t.Errorf("status %d, want %d", code, c.status)
				}
				for _, s := range c.want {
					if !strings.Contains(body, s) {
						t.Errorf("body lacks %q", s)
					}
				}
				for _, s := range c.absent {
					if strings.Contains(body, s) {
						t.Errorf("body has %q", s)
					}
				}
			})
		}
	})
}

func TestPPMCellsHTMLEscapes(t *testing.T) {
	hostile := `<b>"x"&'</b>`
	days := []fieldportal.PPMDay{{AssetType: hostile, Day: fieldportal.Date{Year: 2026, Month: 1, Day: 13}, Fail: 1, Untested: 2}}
	g := fieldportal.BuildPPM(2026, fieldportal.Date{Year: 2026, Month: 3, Day: 1}, nil, days)
	v := newPPMGridView(g, ppmQuery{Site: `s"1`, Filter: fieldportal.PPMFilter{Year: 2026}}, "North")
	got := string(v.Rows[0].CellsHTML)
	for _, bad := range []string{"<b>", `s"1`, `"x"`} {
		if strings.Contains(got, bad) {
			t.Errorf("the cells hold %q unescaped: %s", bad, got)
		}
	}
	for _, want := range []string{"type=%3Cb%3E%22x%22%26%27%3C%2Fb%3E", "site=s%221", "1&nbsp;F", "2&nbsp;N", "1 failed, 2 not tested"} {
		if !strings.Contains(got, want) {
			t.Errorf("the cells lack %q: %s", want, got)
		}
	}
}
