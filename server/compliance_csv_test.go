package server

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestComplianceCSVGolden compares the certificates, diary and tasks CSVs
// of a fixed data set with golden files (go test -run
// TestComplianceCSVGolden -update rewrites them). The dates are far from
// today, so each certificate's status is fixed.
func TestComplianceCSVGolden(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		gas := &fieldportal.Contractor{Name: "Gas Co"}
		must(db.CreateContractor(ctx, f.sys, gas))
		day := func(y int, m time.Month, d int) fieldportal.Date { return fieldportal.Date{Year: y, Month: m, Day: d} }
		for _, c := range []*fieldportal.Certificate{
			{SiteID: f.site["hq"].ID, Type: "Gas safety", Number: "GS-1", IssuedOn: day(2020, 1, 1), ExpiresOn: day(2021, 1, 1), ContractorID: gas.ID},
			{SiteID: f.site["dock"].ID, Type: "EICR", Number: "EI-2", IssuedOn: day(2026, 1, 2), ExpiresOn: day(2099, 1, 1)},
			{SiteID: f.site["hq"].ID, Type: "Fire alarm, panel \"A\"", Number: "FA-3", IssuedOn: day(2025, 6, 1)},
			{SiteID: f.site["solo"].ID, Type: "Gas safety", Number: "NOT-MINE", IssuedOn: day(2025, 6, 1)},
		} {
			must(db.CreateCertificate(ctx, f.sys, c))
		}
		job := &fieldportal.Job{SiteID: f.site["dock"].ID, Kind: fieldportal.JobInstall, Stage: fieldportal.StageScheduled, Description: "Panel"}
		must(db.CreateJob(ctx, f.sys, job))
		at := time.Date(2099, time.March, 2, 9, 0, 0, 0, time.UTC)
		// The diary's visits (issue 22): one on the way with its ETA, by a
		// staff user shown by display name; one cancelled; one scheduled.
		tech := f.addStaff("sam@example.test", fieldportal.RoleStaff)
		must(db.SetStaffProfile(ctx, f.sys, fieldportal.StaffProfile{StaffID: tech.ID, DisplayName: "Sam S."}))
		for _, a := range []*fieldportal.Appointment{
			{SiteID: f.site["dock"].ID, JobID: job.ID, StartsAt: at, EndsAt: at.Add(2 * time.Hour), Technician: "Sam Spark",
				Description: "Fit the panel, test; then\nsign off", TechnicianStaffID: tech.ID, Status: fieldportal.VisitOnTheWay,
				ETA: at.Add(-10 * time.Minute)},
			{SiteID: f.site["hq"].ID, StartsAt: at.Add(24 * time.Hour), EndsAt: at.Add(26 * time.Hour), Technician: "Ann Amp", Description: "Survey"},
			{SiteID: f.site["hq"].ID, StartsAt: at.Add(48 * time.Hour), EndsAt: at.Add(49 * time.Hour), Technician: "Ann Amp",
				Description: "Called off", Status: fieldportal.VisitCancelled},
			{SiteID: f.site["solo"].ID, StartsAt: at, EndsAt: at.Add(time.Hour), Technician: "Other", Description: "NOT-MINE"},
		} {
			must(db.CreateAppointment(ctx, f.sys, a))
		}
		for _, x := range []*fieldportal.Task{
			{SiteID: f.site["dock"].ID, JobID: job.ID, Subject: "Order the panel", Status: "in_progress", DueDate: day(2099, 2, 1), Assignee: "Office"},
			{SiteID: f.site["hq"].ID, Subject: "Send keys, codes", Status: "done", DueDate: day(2020, 5, 1)},
			{CustomerID: f.cust["parent"].ID, Subject: "Annual review", Status: "open"},
			{SiteID: f.site["solo"].ID, Subject: "NOT-MINE", Status: "open"},
		} {
			must(db.CreateTask(ctx, f.sys, x))
		}
		parent := f.browser()
		parent.login("parent@example.test", testPassword)
		for _, tc := range []struct{ name, path string }{
			{"certificates_all", "/certificates.csv"},
			{"certificates_expired", "/certificates.csv?status=expired"},
			{"diary_all", "/diary.csv?range=all"},
			{"tasks_all", "/tasks.csv"},
			{"tasks_later", "/tasks.csv?due=later"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := parent.get(tc.path)
				wantStatus(t, "CSV", res, body, http.StatusOK)
				golden := filepath.Join("testdata", tc.name+".csv")
				if *updateGolden {
					os.WriteFile(golden, []byte(body), 0o644)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(want), body); diff != "" {
					t.Errorf("CSV differs from %s (-want +got):\n%s", golden, diff)
				}
			})
		}
	})
}
