package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestCalendarFeeds checks the personal feeds' tokens: only the hash is
// kept, a new token voids the old, and a disabled login, an unknown
// token or another organisation's token finds no viewer.
func TestCalendarFeeds(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorld(t, db)
		parent := w.viewers["parent"]
		mustRenew := func(v fieldportal.Viewer) string {
			t.Helper()
			tok, err := db.RenewCalendarFeed(ctx, v.OrgID, v.LoginID)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		first := mustRenew(parent)

		t.Run("the token finds its login's viewer", func(t *testing.T) {
			v, err := db.CalendarFeedViewer(ctx, w.orgA, first)
			if err != nil {
				t.Fatal(err)
			}
			if v.LoginID != parent.LoginID || v.CustomerID != parent.CustomerID || !v.IsContact() {
				t.Errorf("viewer = %+v", v)
			}
		})
		t.Run("only the hash is stored", func(t *testing.T) {
			var hash string
			if err := db.SQL().QueryRowContext(ctx, `SELECT token_hash FROM calendar_feeds WHERE login_id = $1`, parent.LoginID).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			if hash != auth.HashToken(first) || hash == first {
				t.Errorf("stored %q for token %q", hash, first)
			}
			if n := countRows(t, db, "calendar_feeds", "token_hash = $1", first); n != 0 {
				t.Errorf("the plain token is stored %d times", n)
			}
		})
		t.Run("the feed is found by its login", func(t *testing.T) {
			f, err := db.FindCalendarFeed(ctx, w.orgA, parent.LoginID)
			if err != nil || f.LoginID != parent.LoginID || f.CreatedAt.IsZero() {
				t.Errorf("feed = %+v, %v", f, err)
			}
			if _, err := db.FindCalendarFeed(ctx, w.orgA, w.viewers["child"].LoginID); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("a login without a feed: %v", err)
			}
		})
		t.Run("a new token voids the old", func(t *testing.T) {
			second := mustRenew(parent)
			if second == first {
				t.Fatal("the same token twice")
			}
			if _, err := db.CalendarFeedViewer(ctx, w.orgA, first); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("the old token: %v, want not found", err)
			}
			if v, err := db.CalendarFeedViewer(ctx, w.orgA, second); err != nil || v.LoginID != parent.LoginID {
				t.Errorf("the new token: %v", err)
			}
			if n := countRows(t, db, "calendar_feeds", "login_id = $1", parent.LoginID); n != 1 {
				t.Errorf("%d feeds of the login, want 1", n)
			}
		})
		t.Run("not found", func(t *testing.T) {
			child := mustRenew(w.viewers["child"])
			for name, try := range map[string]func() error{
				"an unknown token": func() error { _, err := db.CalendarFeedViewer(ctx, w.orgA, "no-such-token"); return err },
				"an empty token":   func() error { _, err := db.CalendarFeedViewer(ctx, w.orgA, ""); return err },
				"another organisation's host": func() error {
					_, err := db.CalendarFeedViewer(ctx, w.orgB, child)
					return err
				},
				"a disabled login's renewal": func() error {
					_, err := db.RenewCalendarFeed(ctx, w.orgA, w.viewers["disabled"].LoginID)
					return err
				},
				"a login of another organisation": func() error {
					_, err := db.RenewCalendarFeed(ctx, w.orgA, w.viewers["otherorg"].LoginID)
					return err
				},
			} {
				t.Run(name, func(t *testing.T) {
					if err := try(); code(err) != fieldportal.ENOTFOUND {
						t.Errorf("err = %v, want not found", err)
					}
				})
			}
		})
		t.Run("disabling the login voids its feed", func(t *testing.T) {
			solo := w.viewers["solo"]
			tok := mustRenew(solo)
			l, err := db.FindLoginByID(ctx, w.orgA, solo.LoginID)
			if err != nil {
				t.Fatal(err)
			}
			l.Status = fieldportal.LoginDisabled
			if err := db.UpdateLoginAccess(ctx, fieldportal.SystemViewer(w.orgA, "test"), l); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CalendarFeedViewer(ctx, w.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("a disabled login's feed: %v, want not found", err)
			}
		})
	})
}

// TestDiaryDisplayFields checks that an appointment carries its site's
// address and its job's and quote's numbers, as made and as found, and
// that a task carries its job's number.
func TestDiaryDisplayFields(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		job := mustWorkJob(t, db, w.Staff, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobInstall, Stage: fieldportal.StagePending})
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		a := &fieldportal.Appointment{SiteID: w.SiteB.ID, JobID: job.ID, StartsAt: at, EndsAt: at.Add(time.Hour), Technician: "Ann"}
		if err := db.CreateAppointment(ctx, w.Staff, a); err != nil {
			t.Fatal(err)
		}
		if a.JobNumber != job.Number || a.JobKind != fieldportal.JobInstall || a.SiteAddress.Line1 != w.SiteB.Address.Line1 {
			t.Errorf("made: %q %q %+v", a.JobNumber, a.JobKind, a.SiteAddress)
		}
		got, err := db.FindAppointmentByID(ctx, w.Staff, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("appointment differs (-made +found):\n%s", diff)
		}
		x := &fieldportal.Task{SiteID: w.SiteB.ID, JobID: job.ID, Subject: "Order parts", Status: "open"}
		if err := db.CreateTask(ctx, w.Staff, x); err != nil {
			t.Fatal(err)
		}
		found, err := db.FindTaskByID(ctx, w.Staff, x.ID)
		if err != nil || found.JobNumber != job.Number || found.JobKind != fieldportal.JobInstall {
			t.Errorf("task: %+v, %v", found, err)
		}
	})
}

// TestTaskDueBands lists tasks by due band on a fixed day, at the bands'
// edges: overdue leaves out done tasks, and a band lists soonest first.
func TestTaskDueBands(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Due Ltd")
		sys := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "C"})
		today := fieldportal.Date{Year: 2026, Month: time.March, Day: 11} // a Wednesday
		mk := func(subject, status string, due fieldportal.Date) {
			t.Helper()
			if err := db.CreateTask(ctx, sys, &fieldportal.Task{CustomerID: cust.ID, Subject: subject, Status: status, DueDate: due}); err != nil {
				t.Fatal(err)
			}
		}
		mk("yesterday", "open", today.AddDays(-1))
		mk("yesterday done", "done", today.AddDays(-1))
		mk("today", "in_progress", today)
		mk("sunday", "open", today.AddDays(4))
		mk("monday", "open", today.AddDays(5))
		mk("no date", "open", fieldportal.Date{})
		for _, tc := range []struct {
			due  fieldportal.TaskDue
			want []string
		}{
			{fieldportal.TaskDueOverdue, []string{"yesterday"}},
			{fieldportal.TaskDueThisWeek, []string{"today", "sunday"}},
			{fieldportal.TaskDueLater, []string{"monday"}},
			{fieldportal.TaskDueNone, []string{"no date"}},
		} {
			t.Run(string(tc.due), func(t *testing.T) {
				got := pageAll(t, func(after string) ([]*fieldportal.Task, string, error) {
					return db.FindTasks(ctx, sys, fieldportal.TaskFilter{Page: fieldportal.Page{After: after, Limit: 1}, Due: tc.due, Today: today})
				}, func(x *fieldportal.Task) string { return x.Subject })
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
}
