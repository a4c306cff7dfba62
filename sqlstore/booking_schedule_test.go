package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustScheduleMail lists the "job scheduled" mails queued: recipient and
// subject, and whether the body links to the job.
func mustScheduleMail(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, jobID string) []string {
	tb.Helper()
	msgs, _, err := db.FindOutbox(context.Background(), v, fieldportal.OutboxFilter{Kind: "mail"})
	if err != nil {
		tb.Fatal(err)
	}
	out := []string{}
	for _, m := range msgs {
		if m.Topic == "job.scheduled" && strings.Contains(m.Payload, "https://portal.test/jobs/"+jobID+"\n") {
			out = append(out, m.Recipient+": "+m.Subject)
		}
	}
	return out
}

func TestScheduleJob(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)
		jobContact := func(first string, job bool) string {
			return mustWorkExec(t, db, `INSERT INTO contacts (id, org_id, customer_id, first_name, email, job_contact, created_at, updated_at)
				VALUES ($1, $2, $4, $5, $6, $7, $3, $3)`, w.Org.ID, w.workWorld.Child.ID, first, strings.ToLower(first)+"@example.test", job)
		}
		mustContactLogin(t, db, w.Org.ID, jobContact("Jo", true), "active", fieldportal.AllModules)
		mustContactLogin(t, db, w.Org.ID, jobContact("Al", false), "active", fieldportal.AllModules)
		// Job contacts who cannot follow the mail's link to the job: no
		// login, a disabled one, one without the Service page, one
		// reaching other sites only.
		jobContact("Nolan", true)
		mustContactLogin(t, db, w.Org.ID, jobContact("Dee", true), "disabled", fieldportal.AllModules)
		mustContactLogin(t, db, w.Org.ID, jobContact("Ivy", true), "active", fieldportal.Modules{fieldportal.ModuleInstall})
		mustContactLogin(t, db, w.Org.ID, jobContact("Otto", true), "active", fieldportal.AllModules, w.SiteA.ID)
		j := MustBookJob(t, db, w.Child, w.booking(t, w.SiteB, 2, 10))
		at := func(day, h, m int) time.Time { return time.Date(2026, 6, day, h, m, 0, 0, w.loc) }
		sched := func(id, tech string, from, to time.Time) fieldportal.JobSchedule {
			return fieldportal.JobSchedule{JobID: id, Technician: tech, Window: fieldportal.TimeWindow{Start: from, End: to}, PortalURL: "https://portal.test/"}
		}

		t.Run("scheduling makes the appointment, schedules the job and mails its job contacts", func(t *testing.T) {
			got, _, err := db.ScheduleJob(ctx, w.Staff, sched(j.ID, "Sam Reed", at(3, 9, 0), at(3, 11, 0)))
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != fieldportal.StageScheduled || got.Technician != "Sam Reed" || !got.ScheduledStart.Equal(at(3, 9, 0)) || !got.ScheduledEnd.Equal(at(3, 11, 0)) {
				t.Errorf("job %+v", got)
			}
			apps, _, err := db.FindAppointments(ctx, w.Staff, fieldportal.AppointmentFilter{JobID: j.ID})
			if err != nil || len(apps) != 1 || apps[0].Technician != "Sam Reed" || !apps[0].StartsAt.Equal(at(3, 9, 0)) {
				t.Fatalf("appointments %+v, %v", apps, err)
			}
			want := []string{"jo@example.test: Job " + j.Number + " is scheduled for Wed 3 Jun 2026, 09:00–11:00"}
			if diff := cmp.Diff(want, mustScheduleMail(t, db, w.Staff, j.ID)); diff != "" {
				t.Errorf("mail (-want +got):\n%s", diff)
			}
		})
		t.Run("the booking and the scheduling are audited", func(t *testing.T) {
			entries, _, err := db.FindAuditLog(ctx, w.Staff, fieldportal.AuditFilter{Entity: "job", EntityID: j.ID})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Action)
			}
			for _, want := range []string{"job.booked", "job.scheduled"} {
				if !slices.Contains(got, want) {
					t.Errorf("audit log of the job %v lacks %s", got, want)
				}
			}
		})
		t.Run("a scheduled job no longer holds the window it asked for", func(t *testing.T) {
			if diff := cmp.Diff(allDay, w.mustWindowLabels(t, db, w.Child, w.SiteB, 2)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("scheduling again moves the appointment", func(t *testing.T) {
			if _, _, err := db.ScheduleJob(ctx, w.Staff, sched(j.ID, "Sam Reed", at(4, 13, 0), at(4, 15, 0))); err != nil {
				t.Fatal(err)
			}
			apps, _, err := db.FindAppointments(ctx, w.Staff, fieldportal.AppointmentFilter{JobID: j.ID})
			if err != nil || len(apps) != 1 || !apps[0].StartsAt.Equal(at(4, 13, 0)) {
				t.Errorf("appointments %+v, %v", apps, err)
			}
			if n := len(mustScheduleMail(t, db, w.Staff, j.ID)); n != 2 {
				t.Errorf("%d mails, want one per scheduling", n)
			}
		})
		t.Run("the technician's overlap is refused on the start field, nothing changed", func(t *testing.T) {
			other := MustBookJob(t, db, w.Parent, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Description: "Another"})
			mails := mustCount(t, db, "outbox")
			_, _, err := db.ScheduleJob(ctx, w.Staff, sched(other.ID, "Sam Reed", at(4, 14, 0), at(4, 16, 0)))
			wantField(t, err, fieldportal.ECONFLICT, "starts_at")
			if !strings.Contains(fieldportal.ErrorMessage(err), "Sam Reed is already booked at that time (14:00–16:00 on Thu 4 Jun") {
				t.Errorf("message %q", fieldportal.ErrorMessage(err))
			}
			got, err := db.FindJobByID(ctx, w.Staff, other.ID)
			if err != nil || got.Stage != fieldportal.StagePending || mustCount(t, db, "outbox") != mails {
				t.Errorf("a refused schedule changed the job (%v, %v) or queued mail", got.Stage, err)
			}
			t.Run("touching is allowed", func(t *testing.T) {
				if _, _, err := db.ScheduleJob(ctx, w.Staff, sched(other.ID, "Sam Reed", at(4, 15, 0), at(4, 16, 0))); err != nil {
					t.Error(err)
				}
			})
			t.Run("another technician may go then", func(t *testing.T) {
				third := MustBookJob(t, db, w.Parent, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Description: "Third"})
				if _, _, err := db.ScheduleJob(ctx, w.Staff, sched(third.ID, "Ann Lee", at(4, 14, 0), at(4, 16, 0))); err != nil {
					t.Error(err)
				}
			})
		})
		t.Run("bad input names its field", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				s     fieldportal.JobSchedule
				field string
			}{
				{"no technician", sched(j.ID, " ", at(5, 9, 0), at(5, 10, 0)), "technician"},
				{"no start", sched(j.ID, "Sam", time.Time{}, at(5, 10, 0)), "starts_at"},
				{"no end", sched(j.ID, "Sam", at(5, 9, 0), time.Time{}), "ends_at"},
				{"end before start", sched(j.ID, "Sam", at(5, 9, 0), at(5, 8, 0)), "ends_at"},
				{"zero length", sched(j.ID, "Sam", at(5, 9, 0), at(5, 9, 0)), "ends_at"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, _, err := db.ScheduleJob(ctx, w.Staff, tc.s)
					wantField(t, err, fieldportal.EINVALID, tc.field)
				})
			}
		})
		t.Run("who may schedule", func(t *testing.T) {
			if _, _, err := db.ScheduleJob(ctx, w.Child, sched(j.ID, "Sam", at(5, 9, 0), at(5, 10, 0))); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("a contact: %v", err)
			}
			if _, _, err := db.ScheduleJob(ctx, w.OtherStaff, sched(j.ID, "Sam", at(5, 9, 0), at(5, 10, 0))); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation's staff: %v", err)
			}
		})
		t.Run("a complete job cannot be scheduled", func(t *testing.T) {
			done := mustWorkJob(t, db, w.Staff, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete})
			if _, _, err := db.ScheduleJob(ctx, w.Staff, sched(done.ID, "Sam", at(5, 9, 0), at(5, 10, 0))); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Errorf("err = %v, want a conflict", err)
			}
		})
	})
}
