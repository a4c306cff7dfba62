package sqlstore_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestFindVisitReportsKeyset: reports sharing one updated_at (to the
// microsecond, a time no whole second) are each walked once, by job id,
// on a page of one or two, by change and by job; the cursor's time comes
// back as the engine keeps it (a since a microsecond before is in, the
// time itself is out); each listed report is FindVisitReport's, photos
// and asset tests in their order; an organisation without reports lists
// none, with no cursor.
func TestFindVisitReportsKeyset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		org := MustOrg(t, db, "Acme Services")
		sys := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "Harbour Ltd"})
		site := MustSite(t, db, sys, &fieldportal.Site{Name: "Depot", CustomerID: cust.ID, Address: fieldportal.Address{Line1: "1 Quay"}})
		asset := MustAsset(t, db, sys, &fieldportal.Asset{SiteID: site.ID, Number: "A-1", Type: "Extinguisher", Name: "Extinguisher"})
		other := MustAsset(t, db, sys, &fieldportal.Asset{SiteID: site.ID, Number: "A-0", Type: "Extinguisher", Name: "Spare"})
		var jobs []string
		for range 5 {
			j := &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete}
			if err := db.CreateJob(ctx, sys, j); err != nil {
				t.Fatal(err)
			}
			MustVisitReport(t, db, sys, j.ID)
			jobs = append(jobs, j.ID)
		}
		// Photos and tests on two jobs, the tests' asset numbers against
		// the order they were recorded in.
		for _, c := range []string{"first", "second", "third"} {
			MustVisitPhoto(t, db, sys, jobs[1], c)
		}
		MustVisitPhoto(t, db, sys, jobs[3], "only")
		for _, a := range []*fieldportal.Asset{asset, other, asset} {
			MustAssetTest(t, db, sys, &fieldportal.AssetTest{AssetID: a.ID, TestedOn: day(3, 1), Result: fieldportal.TestPass, JobID: jobs[1]})
		}
		MustAssetTest(t, db, sys, &fieldportal.AssetTest{AssetID: other.ID, TestedOn: day(3, 2), Result: fieldportal.TestPass, JobID: jobs[4]})
		asc := slices.Clone(jobs)
		slices.Sort(asc)
		desc := slices.Clone(asc)
		slices.Reverse(desc)

		walk := func(t *testing.T, f fieldportal.VisitReportFilter) []*fieldportal.VisitReport {
			t.Helper()
			var out []*fieldportal.VisitReport
			for range 20 {
				l, next, err := db.FindVisitReports(ctx, sys, f)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, l...)
				if next == "" {
					return out
				}
				f.After = next
			}
			t.Fatal("the walk does not end")
			return nil
		}
		ids := func(l []*fieldportal.VisitReport) []string {
			out := make([]string, len(l))
			for i, r := range l {
				out[i] = r.JobID
			}
			return out
		}
		before := at.Truncate(time.Microsecond).Add(-time.Microsecond)
		for _, size := range []int{1, 2, 500} {
			p := fieldportal.Page{Limit: size}
			t.Run("by change, a page of "+strconv.Itoa(size), func(t *testing.T) {
				if diff := cmp.Diff(asc, ids(walk(t, fieldportal.VisitReportFilter{Page: p, UpdatedSince: before}))); diff != "" {
					t.Errorf("walked (-want +got):\n%s", diff)
				}
			})
			t.Run("by job, a page of "+strconv.Itoa(size), func(t *testing.T) {
				if diff := cmp.Diff(desc, ids(walk(t, fieldportal.VisitReportFilter{Page: p}))); diff != "" {
					t.Errorf("walked (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("since the time itself, none", func(t *testing.T) {
			l := walk(t, fieldportal.VisitReportFilter{UpdatedSince: at.Truncate(time.Microsecond)})
			if len(l) != 0 {
				t.Errorf("listed %v", ids(l))
			}
		})
		t.Run("each as FindVisitReport shows it", func(t *testing.T) {
			for _, f := range []fieldportal.VisitReportFilter{{Page: fieldportal.Page{Limit: 2}}, {UpdatedSince: before}} {
				for _, r := range walk(t, f) {
					one, err := db.FindVisitReport(ctx, sys, r.JobID)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(one, r); diff != "" {
						t.Errorf("report %s (-find +list):\n%s", r.JobID, diff)
					}
				}
			}
			one, err := db.FindVisitReport(ctx, sys, jobs[1])
			if err != nil || len(one.Photos) != 3 || len(one.Tests) != 3 || one.Tests[0].AssetID != other.ID {
				t.Errorf("the report with photos and tests: %+v %v", one, err)
			}
		})
		t.Run("an organisation without reports", func(t *testing.T) {
			empty := fieldportal.SystemViewer(MustOrg(t, db, "Empty Ltd").ID, "test")
			for _, f := range []fieldportal.VisitReportFilter{{}, {UpdatedSince: before}} {
				l, next, err := db.FindVisitReports(ctx, empty, f)
				if err != nil || len(l) != 0 || next != "" {
					t.Errorf("%+v: %v %q %v", f, ids(l), next, err)
				}
			}
		})
	})
}
