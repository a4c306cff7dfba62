package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// reportWorld is an organisation with one customer of two sites:
//
//	North: alarms A1, A2 (service level "Gold"), extinguishers E1, E2
//	South: alarm S1
//
// tests in January 2026 on jobs J-N1 (North) and J-S1 (South: A1 was
// tested on a South job, as after a transfer back), and assets due in
// February, one of them through open job J-N2. Today is Wednesday
// 28 January 2026, in week 4.
type reportWorld struct {
	org                  *fieldportal.Organisation
	staff                fieldportal.Viewer
	north, south         *fieldportal.Site
	a1, a2, e1, e2, s1   *fieldportal.Asset
	today                fieldportal.Date
	defectA2, defectS1   *fieldportal.AssetTest
	northOnly, southOnly fieldportal.Viewer
}

func d26(m time.Month, d int) fieldportal.Date { return fieldportal.Date{Year: 2026, Month: m, Day: d} }

func mustReportWorld(t *testing.T, db *sqlstore.DB) *reportWorld {
	t.Helper()
	w := &reportWorld{today: d26(1, 28)}
	w.org = MustOrg(t, db, "Acme Fire")
	w.staff = fieldportal.SystemViewer(w.org.ID, "test")
	cust := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Group"})
	w.north = mustAssetsSite(t, db, w.staff, cust.ID, "North")
	w.south = mustAssetsSite(t, db, w.staff, cust.ID, "South")
	asset := func(s *fieldportal.Site, typ, num, level string, due fieldportal.Date) *fieldportal.Asset {
		return MustAsset(t, db, w.staff, &fieldportal.Asset{SiteID: s.ID, Type: typ, Number: num, Name: num, ServiceLevel: level, NextServiceDue: due})
	}
	w.a1 = asset(w.north, "Alarm", "A1", "Gold", d26(2, 2))
	w.a2 = asset(w.north, "Alarm", "A2", "Gold", d26(2, 3))
	w.e1 = asset(w.north, "Extinguisher", "E1", "", d26(2, 10))
	w.e2 = asset(w.north, "Extinguisher", "E2", "", d26(1, 29))
	w.s1 = asset(w.south, "Alarm", "S1", "", d26(2, 2))
	job := func(s *fieldportal.Site, num string, stage fieldportal.JobStage, due fieldportal.Date, assets ...string) *fieldportal.Job {
		j := &fieldportal.Job{SiteID: s.ID, Number: num, Kind: fieldportal.JobService, Stage: stage, DueDate: due, AssetIDs: assets}
		if err := db.CreateJob(context.Background(), w.staff, j); err != nil {
			t.Fatalf("job: %v", err)
		}
		return j
	}
	jn1 := job(w.north, "J-N1", fieldportal.StageComplete, fieldportal.Date{})
	js1 := job(w.south, "J-S1", fieldportal.StageComplete, fieldportal.Date{})
	// E1 is booked on an open job due in week 7 rather than its service date.
	job(w.north, "J-N2", fieldportal.StageScheduled, d26(2, 17), w.e1.ID)
	test := func(a *fieldportal.Asset, j *fieldportal.Job, on fieldportal.Date, r fieldportal.TestResult) *fieldportal.AssetTest {
		x := &fieldportal.AssetTest{AssetID: a.ID, TestedOn: on, Result: r, Technician: "Sam"}
		if j != nil {
			x.JobID = j.ID
		}
		return MustAssetTest(t, db, w.staff, x)
	}
	test(w.e1, jn1, d26(1, 5), fieldportal.TestPass)       // week 1: green 2
	test(w.e2, jn1, d26(1, 11), fieldportal.TestPass)      // the Sunday ending week 1
	test(w.e1, jn1, d26(1, 13), fieldportal.TestNotTested) // week 2: yellow 1
	test(w.a1, js1, d26(1, 14), fieldportal.TestPass)      // week 2 alarms: red 1 + bubble 1
	w.defectA2 = test(w.a2, jn1, d26(1, 15), fieldportal.TestFail)
	test(w.a1, jn1, d26(1, 15), fieldportal.TestNotTested)
	test(w.a1, jn1, d26(1, 2), fieldportal.TestFail)               // 2025's last week: not in 2026's grid
	test(w.a1, jn1, d26(1, 27), fieldportal.TestPass)              // the current week: not a past cell
	w.defectS1 = test(w.s1, js1, d26(1, 20), fieldportal.TestFail) // South's defect
	w.northOnly = assetsContactViewer(t, db, w.org.ID, cust.ID, fieldportal.Modules{fieldportal.ModuleReports}, w.north.ID)
	w.southOnly = assetsContactViewer(t, db, w.org.ID, cust.ID, fieldportal.Modules{fieldportal.ModuleReports}, w.south.ID)
	return w
}

// ppmText writes the grid's non-empty cells one a line.
func ppmText(g *fieldportal.PPMGrid) string {
	var b strings.Builder
	fmt.Fprintf(&b, "year %d, %d weeks, current %d\n", g.Year, len(g.Weeks), g.Current)
	for _, r := range g.Rows {
		fmt.Fprintf(&b, "%s:", r.AssetType)
		for _, c := range r.Cells {
			if c.Kind != fieldportal.PPMEmpty {
				fmt.Fprintf(&b, " w%d %s", c.Week.N, c.Label())
				if c.Shade > 0 {
					fmt.Fprintf(&b, " (shade %d)", c.Shade)
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestReportsPPM(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustReportWorld(t, db)
		t.Run("the grid of a site", func(t *testing.T) {
			g, err := db.FindPPM(ctx, w.staff, fieldportal.PPMFilter{Year: 2026, SiteID: w.north.ID}, w.today)
			if err != nil {
				t.Fatal(err)
			}
			want := "year 2026, 52 weeks, current 4\n" +
				"Alarm: w2 1 failed, 1 not tested w5 2 due (shade 4)\n" +
				"Extinguisher: w1 2 passed w2 1 not tested w4 1 due (shade 2) w7 1 due (shade 2)\n"
			if diff := cmp.Diff(want, ppmText(g)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("a contract narrows the assets", func(t *testing.T) {
			g, err := db.FindPPM(ctx, w.staff, fieldportal.PPMFilter{Year: 2026, SiteID: w.north.ID, Contract: "Gold"}, w.today)
			if err != nil {
				t.Fatal(err)
			}
			want := "year 2026, 52 weeks, current 4\nAlarm: w2 1 failed, 1 not tested w5 2 due (shade 4)\n"
			if diff := cmp.Diff(want, ppmText(g)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("a past year has only past cells", func(t *testing.T) {
			g, err := db.FindPPM(ctx, w.staff, fieldportal.PPMFilter{Year: 2025, SiteID: w.north.ID}, w.today)
			if err != nil {
				t.Fatal(err)
			}
			want := "year 2025, 52 weeks, current 0\nAlarm: w52 1 failed\nExtinguisher:\n"
			if diff := cmp.Diff(want, ppmText(g)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("job numbers of a cell", func(t *testing.T) {
			weeks := fieldportal.WeeksIn(2026)
			f := fieldportal.PPMFilter{Year: 2026, SiteID: w.north.ID}
			for _, c := range []struct {
				name   string
				v      fieldportal.Viewer
				typ    string
				week   int
				future bool
				want   []string
			}{
				{"past, staff", w.staff, "Alarm", 2, false, []string{"J-N1", "J-S1"}},
				{"past, a contact of North does not learn South's job", w.northOnly, "Alarm", 2, false, []string{"J-N1"}},
				{"future: the open job", w.staff, "Extinguisher", 7, true, []string{"J-N2"}},
				{"future week without jobs", w.staff, "Alarm", 5, true, nil},
			} {
				t.Run(c.name, func(t *testing.T) {
					got, err := db.FindPPMJobs(ctx, c.v, f, c.typ, weeks[c.week-1], c.future)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(c.want, got.Numbers); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
		})
		t.Run("an open job left at the site an asset moved from does not make it due", func(t *testing.T) {
			// X1 is booked on North's open job due in week 7, then moved
			// to South: South's grid has it due on its service date (week
			// 9), and names no North job in week 7.
			x := MustAsset(t, db, w.staff, &fieldportal.Asset{SiteID: w.north.ID, Type: "Sprinkler", Number: "X1", Name: "X1", NextServiceDue: d26(3, 3)})
			j := &fieldportal.Job{SiteID: w.north.ID, Number: "J-N9", Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled, DueDate: d26(2, 17), AssetIDs: []string{x.ID}}
			if err := db.CreateJob(ctx, w.staff, j); err != nil {
				t.Fatal(err)
			}
			if _, err := db.TransferAsset(ctx, w.staff, x.ID, w.south.ID, w.today, "moved"); err != nil {
				t.Fatal(err)
			}
			f := fieldportal.PPMFilter{Year: 2026, SiteID: w.south.ID}
			g, err := db.FindPPM(ctx, w.staff, f, w.today)
			if err != nil {
				t.Fatal(err)
			}
			if got := ppmText(g); !strings.Contains(got, "Sprinkler: w9 1 due") {
				t.Errorf("South's grid:\n%s\nwant the sprinkler due in week 9 (3 March)", got)
			}
			jobs, err := db.FindPPMJobs(ctx, w.staff, f, "Sprinkler", fieldportal.WeeksIn(2026)[6], true)
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs.Numbers) != 0 {
				t.Errorf("South's week 7 names %v", jobs.Numbers)
			}
		})
		t.Run("bad filters name their field", func(t *testing.T) {
			for want, f := range map[string]fieldportal.PPMFilter{
				"year": {Year: 99999, SiteID: w.north.ID},
				"site": {Year: 2026, SiteID: "nope"},
			} {
				_, err := db.FindPPM(ctx, w.staff, f, w.today)
				if got := fieldOf(err); got != want {
					t.Errorf("%+v: field %s, want %s", f, got, want)
				}
			}
			if _, err := db.FindPPM(ctx, w.southOnly, fieldportal.PPMFilter{Year: 2026, SiteID: w.north.ID}, w.today); fieldOf(err) != "site" {
				t.Errorf("another site's grid: %v, want an error on site", err)
			}
		})
	})
}

func TestReportsDefectsAndHistory(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustReportWorld(t, db)
		numbers := func(list []*fieldportal.AssetDefect) []string {
			var out []string
			for _, x := range list {
				out = append(out, x.Asset.Number+" "+x.Test.TestedOn.String()+" "+x.Asset.SiteName)
			}
			return out
		}
		t.Run("defects: latest failures not rectified, newest first, paged", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.AssetDefect, string, error) {
				return db.FindDefects(ctx, w.staff, fieldportal.DefectFilter{Page: fieldportal.Page{After: after, Limit: 1}})
			}, func(x *fieldportal.AssetDefect) string { return x.Asset.Number + " " + x.Test.TestedOn.String() })
			// A1's failure of 2 January was followed by later tests.
			if diff := cmp.Diff([]string{"S1 2026-01-20", "A2 2026-01-15"}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("defects: filters and scope", func(t *testing.T) {
			for _, c := range []struct {
				name string
				v    fieldportal.Viewer
				f    fieldportal.DefectFilter
				want []string
			}{
				{"site", w.staff, fieldportal.DefectFilter{SiteID: w.north.ID}, []string{"A2 2026-01-15 North"}},
				{"type", w.staff, fieldportal.DefectFilter{AssetType: "Extinguisher"}, nil},
				{"a contact of North", w.northOnly, fieldportal.DefectFilter{}, []string{"A2 2026-01-15 North"}},
				{"a contact of South", w.southOnly, fieldportal.DefectFilter{}, []string{"S1 2026-01-20 South"}},
			} {
				t.Run(c.name, func(t *testing.T) {
					list, _, err := db.FindDefects(ctx, c.v, c.f)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(c.want, numbers(list)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
			if _, _, err := db.FindDefects(ctx, w.southOnly, fieldportal.DefectFilter{SiteID: w.north.ID}); fieldOf(err) != "site" {
				t.Errorf("another site: %v, want an error on site", err)
			}
		})
		t.Run("rectified is no longer a defect", func(t *testing.T) {
			x := *w.defectS1
			x.RectifiedAt = time.Date(2026, 1, 21, 9, 0, 0, 0, time.UTC)
			if err := db.UpdateAssetTest(ctx, w.staff, &x); err != nil {
				t.Fatal(err)
			}
			list, _, err := db.FindDefects(ctx, w.southOnly, fieldportal.DefectFilter{})
			if err != nil || len(list) != 0 {
				t.Errorf("defects %v, %v; want none", numbers(list), err)
			}
		})
		t.Run("test history", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.AssetTest, string, error) {
				return db.FindTestHistory(ctx, w.northOnly, fieldportal.AssetTestFilter{Page: fieldportal.Page{After: after, Limit: 2},
					AssetType: "Alarm", From: d26(1, 3), To: d26(1, 31)})
			}, func(x *fieldportal.AssetTest) string {
				return x.AssetNumber + " " + x.TestedOn.String() + " " + string(x.Result)
			})
			want := []string{"A1 2026-01-27 pass", "A1 2026-01-15 not_tested", "A2 2026-01-15 fail", "A1 2026-01-14 pass"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			list, _, err := db.FindTestHistory(ctx, w.southOnly, fieldportal.AssetTestFilter{Result: fieldportal.TestFail})
			if err != nil || len(list) != 1 || list[0].AssetNumber != "S1" {
				t.Errorf("South's failures: %v, %v", list, err)
			}
		})
	})
}
