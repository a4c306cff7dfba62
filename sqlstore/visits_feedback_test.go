package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestVisitFeedbackTechnicians checks that the console's averages group a
// technician by its staff user: two staff users shown as "Sam" stay apart
// (and apart from a visit naming "Sam" in text only), a renamed one keeps
// its ratings in one row under its name of today, and the running tallies
// agree with a recount of the ratings.
func TestVisitFeedbackTechnicians(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)
		sys := w.Staff
		jo := mustVisitContact(t, db, w.Org.ID, w.workWorld.Child.ID, "Jo", true)
		j := MustBookJob(t, db, jo, w.booking(t, w.SiteB, 2, 10))
		sam := func(email, name string) *fieldportal.StaffUser {
			u := &fieldportal.StaffUser{Email: email, Name: name, Role: fieldportal.RoleStaff}
			if err := db.CreateStaffUser(ctx, sys, u); err != nil {
				t.Fatal(err)
			}
			mustVisitDisplayName(t, db, w.Org.ID, u, "Sam")
			return u
		}
		reed, cole := sam("reed@op.test", "Sam Reed"), sam("cole@op.test", "Sam Cole")
		day := 0
		rate := func(staffID, technician string, rating int) {
			t.Helper()
			day++
			at := time.Date(2026, 5, day, 9, 0, 0, 0, time.UTC)
			a := &fieldportal.Appointment{SiteID: w.SiteB.ID, JobID: j.ID, StartsAt: at, EndsAt: at.Add(time.Hour),
				Technician: technician, TechnicianStaffID: staffID}
			if err := db.CreateAppointment(ctx, sys, a); err != nil {
				t.Fatal(err)
			}
			// Straight to done: the moves are TestVisitStatus's.
			if _, err := db.SQL().Exec(`UPDATE appointments SET status = 'done' WHERE id = $1`, a.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.LeaveFeedback(ctx, jo, &fieldportal.VisitFeedback{JobID: j.ID, AppointmentID: a.ID, Rating: rating}); err != nil {
				t.Fatal(err)
			}
		}
		summary := func() *fieldportal.FeedbackSummary {
			t.Helper()
			sum, err := db.SummariseFeedback(ctx, sys)
			if err != nil {
				t.Fatal(err)
			}
			return sum
		}
		technicians := func(f fieldportal.FeedbackFilter) []string {
			t.Helper()
			list, _, err := db.FindFeedback(ctx, sys, f)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, x := range list {
				out = append(out, x.Technician+" "+x.TechnicianID)
			}
			return out
		}
		rate(reed.ID, "", 5)
		rate(cole.ID, "", 1)
		rate("", "Sam", 3)

		t.Run("two staff users called Sam are averaged apart", func(t *testing.T) {
			want := []fieldportal.FeedbackAverage{
				{Key: "", StaffID: reed.ID, Name: "Sam", Email: "reed@op.test", Count: 1, Average: 5},
				{Key: "", StaffID: cole.ID, Name: "Sam", Email: "cole@op.test", Count: 1, Average: 1},
				{Key: "Sam", Name: "Sam", Count: 1, Average: 3},
			}
			got := summary()
			if diff := cmp.Diff(want, got.ByTechnician, sortAverages); diff != "" {
				t.Errorf("averages per technician (-want +got):\n%s", diff)
			}
			if got.Count != 3 || got.Average != 3 {
				t.Errorf("overall %d ratings averaging %v, want 3 averaging 3", got.Count, got.Average)
			}
			if diff := cmp.Diff([]string{"Sam " + cole.ID}, technicians(fieldportal.FeedbackFilter{TechnicianStaffID: cole.ID})); diff != "" {
				t.Errorf("Sam Cole's ratings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Sam "}, technicians(fieldportal.FeedbackFilter{Technician: "Sam"})); diff != "" {
				t.Errorf("the text Sam's ratings (-want +got):\n%s", diff)
			}
		})
		mustVisitDisplayName(t, db, w.Org.ID, reed, "Sammy")
		rate(reed.ID, "", 4)
		t.Run("a renamed technician keeps its ratings together", func(t *testing.T) {
			want := []fieldportal.FeedbackAverage{
				{Key: "", StaffID: reed.ID, Name: "Sammy", Email: "reed@op.test", Count: 2, Average: 4.5},
				{Key: "", StaffID: cole.ID, Name: "Sam", Email: "cole@op.test", Count: 1, Average: 1},
				{Key: "Sam", Name: "Sam", Count: 1, Average: 3},
			}
			got := summary()
			if diff := cmp.Diff(want, got.ByTechnician, sortAverages); diff != "" {
				t.Errorf("averages per technician (-want +got):\n%s", diff)
			}
			if got.Count != 4 || got.Average != 3.25 || len(got.BySite) != 1 || got.BySite[0].Count != 4 || got.BySite[0].Average != 3.25 {
				t.Errorf("overall and per site %+v", got)
			}
			if diff := cmp.Diff([]string{"Sammy " + reed.ID, "Sam " + reed.ID}, technicians(fieldportal.FeedbackFilter{TechnicianStaffID: reed.ID})); diff != "" {
				t.Errorf("Sam Reed's ratings (-want +got):\n%s", diff)
			}
		})
		t.Run("a recount of the ratings agrees with the running tallies", func(t *testing.T) {
			before := summary()
			if _, err := db.SQL().Exec(`UPDATE feedback_site_tallies SET ratings = 99`); err != nil {
				t.Fatal(err)
			}
			if err := db.RebuildTallies(ctx, w.Org.ID); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, summary()); diff != "" {
				t.Errorf("summary after a recount (-running +recounted):\n%s", diff)
			}
		})
	})
}

// sortAverages compares averages whatever the order of equal counts.
var sortAverages = cmpopts.SortSlices(func(a, b fieldportal.FeedbackAverage) bool {
	return a.Count > b.Count || a.Count == b.Count && a.StaffID+a.Key < b.StaffID+b.Key
})

// mustVisitDisplayName gives a staff user a display name, as the user does
// on My account.
func mustVisitDisplayName(tb testing.TB, db *sqlstore.DB, orgID string, u *fieldportal.StaffUser, name string) {
	tb.Helper()
	v := fieldportal.NewStaffViewer(orgID, u.ID, u.Name, fieldportal.RoleStaff)
	if err := db.SetStaffProfile(context.Background(), v, fieldportal.StaffProfile{StaffID: u.ID, DisplayName: name}); err != nil {
		tb.Fatal(err)
	}
}
