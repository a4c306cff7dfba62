package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// assetsListEnv is an organisation with two customers' sites and assets of
// several types, statuses and due dates.
type assetsListEnv struct {
	staff              fieldportal.Viewer
	hq, campus, depot  *fieldportal.Site
	byNumber           map[string]*fieldportal.Asset
	groupCustomer, oth *fieldportal.Customer
	school             *fieldportal.Customer
}

// today is the date the due filters of these tests are measured from.
var assetsToday = fieldportal.Date{Year: 2025, Month: 6, Day: 15}

func newAssetsListEnv(t *testing.T, db *sqlstore.DB) *assetsListEnv {
	t.Helper()
	org := MustOrg(t, db, "Acme Fire")
	e := &assetsListEnv{staff: fieldportal.SystemViewer(org.ID, "test"), byNumber: map[string]*fieldportal.Asset{}}
	e.groupCustomer = MustCustomer(t, db, e.staff, &fieldportal.Customer{Name: "Group"})
	e.school = MustCustomer(t, db, e.staff, &fieldportal.Customer{Name: "School", ParentID: e.groupCustomer.ID})
	e.oth = MustCustomer(t, db, e.staff, &fieldportal.Customer{Name: "Elsewhere Ltd"})
	e.hq = mustAssetsSite(t, db, e.staff, e.groupCustomer.ID, "HQ")
	e.campus = mustAssetsSite(t, db, e.staff, e.school.ID, "Campus")
	e.depot = mustAssetsSite(t, db, e.staff, e.oth.ID, "Depot")
	for _, a := range []struct {
		site         *fieldportal.Site
		typ, number  string
		status       string
		due          fieldportal.Date
		serial, name string
	}{
		{e.hq, "Extinguisher", "A-002", "active", day(6, 1), "SN-X1", "CO2 5kg"},
		{e.hq, "Extinguisher", "A-001", "active", day(6, 30), "SN-X2", "Water 9l"},
		{e.hq, "Alarm panel", "P-001", "inactive", day(7, 1), "SN-P1", "Main panel"},
		{e.campus, "Extinguisher", "C-001", "active", day(6, 15), "SN-C1", "Foam 6l"},
		{e.campus, "Sprinkler", "S-001", "removed", fieldportal.Date{}, "SN-S1", "Riser valve"},
		{e.depot, "Sprinkler", "D-001", "active", day(5, 1), "SN-D1", "Pump"},
	} {
		e.byNumber[a.number] = MustAsset(t, db, e.staff, &fieldportal.Asset{SiteID: a.site.ID, Type: a.typ, Number: a.number,
			Name: a.name, Serial: a.serial, Location: "Room " + a.number, Status: a.status, NextServiceDue: a.due})
	}
	return e
}

func TestAssetsGroupedList(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		e := newAssetsListEnv(t, db)
		// Sites are ordered by id (creation order here), then type, number.
		want := []string{"A-001", "A-002", "P-001", "C-001", "S-001", "D-001"}
		want[0], want[1], want[2] = "P-001", "A-001", "A-002" // "Alarm panel" < "Extinguisher"
		t.Run("keyset pages of the grouped order cover every asset once", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.Asset, string, error) {
				return db.FindAssets(ctx, e.staff, fieldportal.AssetFilter{Page: fieldportal.Page{After: after, Limit: 2},
					Sort: fieldportal.AssetSortSite})
			}, func(a *fieldportal.Asset) string { return a.Number })
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages differ (-want +got):\n%s", diff)
			}
		})
		t.Run("number order", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.Asset, string, error) {
				return db.FindAssets(ctx, e.staff, fieldportal.AssetFilter{Page: fieldportal.Page{After: after, Limit: 4},
					Sort: fieldportal.AssetSortNumber})
			}, func(a *fieldportal.Asset) string { return a.Number })
			if diff := cmp.Diff([]string{"A-001", "A-002", "C-001", "D-001", "P-001", "S-001"}, got); diff != "" {
				t.Errorf("pages differ (-want +got):\n%s", diff)
			}
		})
		t.Run("the CSV walk holds exactly the pages' rows", func(t *testing.T) {
			var got []string
			err := db.EachAsset(ctx, e.staff, fieldportal.AssetFilter{Sort: fieldportal.AssetSortSite, Page: fieldportal.Page{Limit: 1, After: "junk"}},
				func(a *fieldportal.Asset) error { got = append(got, a.Number); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("CSV rows differ (-want +got):\n%s", diff)
			}
		})
		for name, c := range map[string]struct {
			f    fieldportal.AssetFilter
			want []string
		}{
			"search by serial":            {fieldportal.AssetFilter{Search: "sn-x"}, []string{"A-001", "A-002"}},
			"search by location":          {fieldportal.AssetFilter{Search: "room c-"}, []string{"C-001"}},
			"search by name":              {fieldportal.AssetFilter{Search: "PUMP"}, []string{"D-001"}},
			"status":                      {fieldportal.AssetFilter{Status: "removed"}, []string{"S-001"}},
			"type":                        {fieldportal.AssetFilter{Type: "Sprinkler"}, []string{"S-001", "D-001"}},
			"site":                        {fieldportal.AssetFilter{SiteID: e.campus.ID}, []string{"C-001", "S-001"}},
			"overdue is due before today": {fieldportal.AssetFilter{Due: fieldportal.AssetDueOverdue}, []string{"A-002", "D-001"}},
			"this month is today to the month's end": {fieldportal.AssetFilter{Due: fieldportal.AssetDueThisMonth},
				[]string{"A-001", "C-001"}},
			"later is after this month": {fieldportal.AssetFilter{Due: fieldportal.AssetDueLater}, []string{"P-001"}},
			"due and site together":     {fieldportal.AssetFilter{Due: fieldportal.AssetDueThisMonth, SiteID: e.hq.ID}, []string{"A-001"}},
		} {
			t.Run(name, func(t *testing.T) {
				c.f.Sort, c.f.Today = fieldportal.AssetSortSite, assetsToday
				list, _, err := db.FindAssets(ctx, e.staff, c.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, a := range list {
					got = append(got, a.Number)
				}
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("assets differ (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("an unknown due value names the filter", func(t *testing.T) {
			_, _, err := db.FindAssets(ctx, e.staff, fieldportal.AssetFilter{Due: "soonish"})
			if f := fieldOf(err); f != "due" {
				t.Errorf("field = %s, want due", f)
			}
		})
		t.Run("group counts are per site and type, for the sites asked, with the filters", func(t *testing.T) {
			got, err := db.CountAssetGroups(ctx, e.staff, fieldportal.AssetFilter{Today: assetsToday}, []string{e.hq.ID, e.campus.ID})
			if err != nil {
				t.Fatal(err)
			}
			want := []fieldportal.AssetGroupCount{{SiteID: e.hq.ID, Type: "Alarm panel", Count: 1}, {SiteID: e.hq.ID, Type: "Extinguisher", Count: 2},
				{SiteID: e.campus.ID, Type: "Extinguisher", Count: 1}, {SiteID: e.campus.ID, Type: "Sprinkler", Count: 1}}
			if e.campus.ID < e.hq.ID {
				want = append(want[2:], want[:2]...)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("counts differ (-want +got):\n%s", diff)
			}
			got, err = db.CountAssetGroups(ctx, e.staff, fieldportal.AssetFilter{Today: assetsToday, Due: fieldportal.AssetDueOverdue,
				Page: fieldportal.Page{After: "ignored"}}, []string{e.hq.ID, e.depot.ID})
			if err != nil {
				t.Fatal(err)
			}
			want = []fieldportal.AssetGroupCount{{SiteID: e.hq.ID, Type: "Extinguisher", Count: 1}, {SiteID: e.depot.ID, Type: "Sprinkler", Count: 1}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("overdue counts differ (-want +got):\n%s", diff)
			}
		})
	})
}

func TestAssetHistories(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		e := newAssetsListEnv(t, db)
		a := e.byNumber["A-001"]
		oldJob := MustMoneyJob(t, db, e.staff.OrgID, e.oth.ID, e.depot.ID, "J-OLD")
		newJob := MustMoneyJob(t, db, e.staff.OrgID, e.groupCustomer.ID, e.hq.ID, "J-NEW")
		MustAssetTest(t, db, e.staff, &fieldportal.AssetTest{AssetID: a.ID, TestedOn: day(1, 5), Result: fieldportal.TestPass, JobID: oldJob})
		failed := MustAssetTest(t, db, e.staff, &fieldportal.AssetTest{AssetID: a.ID, TestedOn: day(3, 5), Result: fieldportal.TestFail,
			JobID: newJob, Technician: "Sam", Notes: "Low pressure"})
		for i := range 5 {
			MustAssetTest(t, db, e.staff, &fieldportal.AssetTest{AssetID: a.ID, TestedOn: day(4, 1+i), Result: fieldportal.TestPass})
		}
		if _, err := db.TransferAsset(ctx, e.staff, a.ID, e.campus.ID, day(5, 1), "moved"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TransferAsset(ctx, e.staff, a.ID, e.hq.ID, day(5, 20), "back"); err != nil {
			t.Fatal(err)
		}
		hqOnly := assetsContactViewer(t, db, e.staff.OrgID, e.groupCustomer.ID, fieldportal.AllModules, e.hq.ID)
		depotContact := assetsContactViewer(t, db, e.staff.OrgID, e.oth.ID, fieldportal.AllModules)

		t.Run("service history pages newest first with the job where reachable", func(t *testing.T) {
			var got []string
			pageAll(t, func(after string) ([]*fieldportal.AssetTest, string, error) {
				return db.FindAssetServiceHistory(ctx, hqOnly, a.ID, fieldportal.Page{After: after, Limit: 3})
			}, func(x *fieldportal.AssetTest) string {
				got = append(got, x.TestedOn.String()+" "+string(x.Result)+" "+x.JobNumber)
				return x.ID
			})
			want := []string{"2025-04-05 pass ", "2025-04-04 pass ", "2025-04-03 pass ", "2025-04-02 pass ", "2025-04-01 pass ",
				"2025-03-05 fail J-NEW", "2025-01-05 pass "} // J-OLD is at the depot, out of the contact's reach
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("history differs (-want +got):\n%s", diff)
			}
			list, _, err := db.FindAssetServiceHistory(ctx, e.staff, a.ID, fieldportal.Page{})
			if err != nil || list[len(list)-1].JobNumber != "J-OLD" {
				t.Errorf("staff see every job: %v %v", list, err)
			}
		})
		t.Run("transfers page newest first naming only reachable sites", func(t *testing.T) {
			list, next, err := db.FindAssetTransferPage(ctx, hqOnly, fieldportal.AssetTransferFilter{AssetID: a.ID, Page: fieldportal.Page{Limit: 1}})
			if err != nil || next == "" || len(list) != 1 {
				t.Fatalf("first page: %v %q %v", list, next, err)
			}
			if list[0].FromSiteName != "" || list[0].ToSiteName != "HQ" {
				t.Errorf("names %q -> %q, want the campus unnamed and HQ named", list[0].FromSiteName, list[0].ToSiteName)
			}
			rest, next, err := db.FindAssetTransferPage(ctx, e.staff, fieldportal.AssetTransferFilter{AssetID: a.ID, Page: fieldportal.Page{After: next}})
			if err != nil || next != "" || len(rest) != 1 || rest[0].FromSiteName != "HQ" || rest[0].ToSiteName != "Campus" {
				t.Errorf("second page: %+v %q %v", rest, next, err)
			}
		})
		t.Run("open jobs and issues of the asset", func(t *testing.T) {
			job := &fieldportal.Job{SiteID: e.hq.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled, Number: "J-OPEN",
				AssetIDs: []string{a.ID}}
			if err := db.CreateJob(ctx, e.staff, job); err != nil {
				t.Fatal(err)
			}
			issue := &fieldportal.Issue{SiteID: e.hq.ID, AssetID: a.ID, Title: "Leaking", Priority: fieldportal.PriorityNormal,
				Status: fieldportal.IssueOpen}
			if err := db.CreateIssue(ctx, e.staff, issue); err != nil {
				t.Fatal(err)
			}
			jobs, _, err := db.FindAssetOpenJobs(ctx, hqOnly, a.ID, fieldportal.Page{Limit: 10})
			if err != nil || len(jobs) != 1 || jobs[0].Number != "J-OPEN" {
				t.Errorf("jobs: %v %v", jobs, err)
			}
			issues, _, err := db.FindAssetOpenIssues(ctx, hqOnly, a.ID, fieldportal.Page{Limit: 10})
			if err != nil || len(issues) != 1 || issues[0].ID != issue.ID {
				t.Errorf("issues: %v %v", issues, err)
			}
		})
		t.Run("an asset out of reach is not found before any history", func(t *testing.T) {
			for name, read := range map[string]func() error{
				"transfers": func() error { _, err := db.FindAssetTransfers(ctx, depotContact, a.ID); return err },
				"transfer page": func() error {
					_, _, err := db.FindAssetTransferPage(ctx, depotContact, fieldportal.AssetTransferFilter{AssetID: a.ID})
					return err
				},
				"service history": func() error {
					_, _, err := db.FindAssetServiceHistory(ctx, depotContact, a.ID, fieldportal.Page{})
					return err
				},
				"open jobs": func() error {
					_, _, err := db.FindAssetOpenJobs(ctx, depotContact, a.ID, fieldportal.Page{})
					return err
				},
				"open issues": func() error {
					_, _, err := db.FindAssetOpenIssues(ctx, depotContact, a.ID, fieldportal.Page{})
					return err
				},
				"unknown id": func() error { _, err := db.FindAssetTransfers(ctx, e.staff, sqlstore.NewID()); return err },
			} {
				t.Run(name, func(t *testing.T) {
					if code := fieldportal.ErrorCode(read()); code != fieldportal.ENOTFOUND {
						t.Errorf("code = %s, want not found", code)
					}
				})
			}
			_ = failed
		})
	})
}

// TestAssetsDueRangeCountedOnlyOnSQLite checks that the service-due
// range is counted (fewDueAssets) only where the answer changes the
// list's SQL, SQLite's index hint: on PostgreSQL the statement is the
// same either way, so the count would be a wasted statement a page.
func TestAssetsDueRangeCountedOnlyOnSQLite(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		e := newAssetsListEnv(t, db)
		counts := 0
		sqlstore.ObserveQueries(db, func(q string, _ []any) {
			if strings.Contains(q, "SELECT count(*) FROM (SELECT 1 FROM assets a") {
				counts++
			}
		})
		list, _, err := db.FindAssets(ctx, e.staff, fieldportal.AssetFilter{Due: fieldportal.AssetDueOverdue, Today: assetsToday})
		if err != nil || len(list) != 2 {
			t.Fatalf("overdue = %d assets, %v", len(list), err)
		}
		want := 0
		if db.Dialect() == sqlstore.SQLite {
			want = 1
		}
		if counts != want {
			t.Errorf("the due range was counted %d times, want %d", counts, want)
		}
	})
}
