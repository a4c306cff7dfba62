package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The dashboard's recent activity lists the latest changes, not the
// latest jobs: an old job scheduled today comes first.
func TestJobsRecentlyChanged(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk := &clock{now: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		org := MustOrg(t, db, "Recent")
		sys := fieldportal.SystemViewer(org.ID, "test")
		c := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "C"})
		s := MustSite(t, db, sys, &fieldportal.Site{CustomerID: c.ID, Name: "S", Address: fieldportal.Address{Line1: "1 Road"}})
		var jobs []*fieldportal.Job
		for range 3 {
			clk.now = clk.now.Add(time.Hour)
			j := &fieldportal.Job{SiteID: s.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending}
			if err := db.CreateJob(ctx, sys, j); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, j)
		}
		clk.now = clk.now.Add(time.Hour)
		jobs[0].Stage = fieldportal.StageScheduled
		if err := db.UpdateJob(ctx, sys, jobs[0]); err != nil {
			t.Fatal(err)
		}
		var got []string
		after := ""
		for {
			page, next, err := db.FindJobs(ctx, sys, fieldportal.JobFilter{RecentlyChanged: true, Page: fieldportal.Page{Limit: 2, After: after}})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, idsOf(page, func(j *fieldportal.Job) string { return j.ID })...)
			if next == "" {
				break
			}
			after = next
		}
		want := []string{jobs[0].ID, jobs[2].ID, jobs[1].ID}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("recently changed order (-want +got):\n%s", diff)
		}
	})
}
