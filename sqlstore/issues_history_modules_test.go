package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// An issue's history says it became a service order; which one (its
// number and id) only to a viewer who may use the Service page.
func TestIssueHistoryHidesTheServiceOrderWithoutService(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.Org.ID, "", "Sam Desk", fieldportal.RoleStaff)
		both, _ := mustIssueContact(t, db, w.Staff, w.Child.ID, "Rita", false, fieldportal.AllModules)
		issuesOnly, _ := mustIssueContact(t, db, w.Staff, w.Child.ID, "Ivy", false, fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleIssues})
		x := mustWorkIssue(t, db, w.Staff, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Door", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen})
		j, err := db.TurnIssueIntoJob(ctx, staff, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := func(v fieldportal.Viewer) *fieldportal.IssueEvent {
			t.Helper()
			h, err := db.FindIssueHistory(ctx, v, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			e := h[len(h)-1]
			if e.Kind != fieldportal.IssueEventServiceOrder {
				t.Fatalf("last step %s, want the service order", e.Kind)
			}
			return e
		}
		for _, v := range []fieldportal.Viewer{staff, both} {
			if e := last(v); e.JobID != j.ID || e.JobNumber != j.Number {
				t.Errorf("%s reads %q %q, want %s", v.Name, e.JobID, e.JobNumber, j.Number)
			}
		}
		if e := last(issuesOnly); e.JobID != "" || e.JobNumber != "" {
			t.Errorf("a contact without Service reads the order %q %q", e.JobID, e.JobNumber)
		}
	})
}
