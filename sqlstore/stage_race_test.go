package sqlstore_test

// Races of the stage changes of issue 16 against a concurrent change of
// the same record (found by review): each read the record before it
// locked it, so on PostgreSQL a move checked and recorded the stage that
// a concurrent change had just left.

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// changeMeanwhile runs stmt (on the row $1) in a transaction of its own
// and starts write while that transaction holds the row, then commits
// it: write must see the committed change. It returns write's error.
func changeMeanwhile(t *testing.T, db *sqlstore.DB, stmt, id string, write func() error) error {
	t.Helper()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
		t.Fatal(err)
	}
	return commitAfter(t, tx, write)
}

// commitAfter starts write, commits tx while write is under way and
// returns write's error.
func commitAfter(t *testing.T, tx *sql.Tx, write func() error) error {
	t.Helper()
	errs := make(chan error, 1)
	go func() { errs <- write() }()
	time.Sleep(300 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		return err
	case <-time.After(60 * time.Second): // for a loaded machine
		t.Fatal("timed out")
		return nil
	}
}

func TestStageChangesSeeConcurrentChanges(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.Org.ID, "", "Robin Office", fieldportal.RoleStaff)
		newJob := func(t *testing.T) *fieldportal.Job {
			t.Helper()
			return mustWorkJob(t, db, staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
		}
		archive := `UPDATE jobs SET stage = 'archived' WHERE id = $1`

		t.Run("a console move checks the stage a concurrent change left", func(t *testing.T) {
			j := newJob(t)
			err := changeMeanwhile(t, db, archive, j.ID, func() error {
				_, err := db.MoveJobStage(ctx, staff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageScheduled})
				return err
			})
			wantWorkCode(t, err, fieldportal.EINVALID, "stage")
			got, err := db.FindJobByID(ctx, staff, j.ID)
			if err != nil || got.Stage != fieldportal.StageArchived {
				t.Errorf("job %v, %v: want it left archived", got, err)
			}
		})
		t.Run("an update records the stage a concurrent change left", func(t *testing.T) {
			j := newJob(t)
			x := *j
			x.Stage = fieldportal.StageComplete
			if err := changeMeanwhile(t, db, archive, j.ID, func() error { return db.UpdateJob(ctx, staff, &x) }); err != nil {
				t.Fatal(err)
			}
			h := stagesOf(t, db, staff, j.ID)
			if len(h) != 2 || h[1] != "archived>complete Robin Office " {
				t.Errorf("history %q, want the change from archived", h)
			}
		})
		t.Run("scheduling refuses a job archived meanwhile", func(t *testing.T) {
			j := newJob(t)
			from := time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)
			err := changeMeanwhile(t, db, archive, j.ID, func() error {
				_, _, err := db.ScheduleJob(ctx, staff, fieldportal.JobSchedule{JobID: j.ID, Technician: "Sam Reed",
					Window: fieldportal.TimeWindow{Start: from, End: from.Add(2 * time.Hour)}})
				return err
			})
			wantWorkCode(t, err, fieldportal.ECONFLICT)
		})
		t.Run("the back office's update of an issue closed meanwhile records nothing", func(t *testing.T) {
			x := mustWorkIssue(t, db, w.Staff, &fieldportal.Issue{SiteID: w.SiteA.ID, Title: "Drip", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen})
			y := *x
			y.Status = fieldportal.IssueClosed
			err := changeMeanwhile(t, db, `UPDATE issues SET status = 'closed' WHERE id = $1`, x.ID, func() error {
				return db.UpdateIssue(ctx, staff, &y)
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM issue_events WHERE issue_id = $1`, x.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d events recorded for an issue already closed, want none", n)
			}
		})
		t.Run("closing an issue closed meanwhile records nothing", func(t *testing.T) {
			x := mustWorkIssue(t, db, w.Staff, &fieldportal.Issue{SiteID: w.SiteA.ID, Title: "Leak", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen})
			if _, err := db.SQL().ExecContext(ctx, `DELETE FROM issue_events WHERE issue_id = $1`, x.ID); err != nil {
				t.Fatal(err)
			}
			err := changeMeanwhile(t, db, `UPDATE issues SET status = 'closed' WHERE id = $1`, x.ID, func() error {
				_, err := db.SetIssueStatus(ctx, staff, x.ID, fieldportal.IssueClosed, time.Time{})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM issue_events WHERE issue_id = $1`, x.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d events recorded for an issue already closed, want none", n)
			}
		})
	})
}

// duringCommit runs first until its Commit is about to recount tallies
// (holding its locks and writes), then starts second, lets first commit
// and returns second's error; first must succeed.
func duringCommit(t *testing.T, db *sqlstore.DB, first, second func() error) error {
	t.Helper()
	held, release := make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	sqlstore.SetBeforeRecount(db, func() {
		if once.CompareAndSwap(false, true) {
			close(held)
			<-release
		}
	})
	defer sqlstore.SetBeforeRecount(db, nil)
	errs := make(chan error, 1)
	go func() { errs <- first() }()
	select {
	case <-held:
	case <-time.After(60 * time.Second): // for a loaded machine
		t.Fatal("the first write did not reach its commit")
	}
	seconds := make(chan error, 1)
	go func() { seconds <- second() }()
	time.Sleep(300 * time.Millisecond)
	close(release)
	if err := <-errs; err != nil {
		t.Fatalf("first write: %v", err)
	}
	select {
	case err := <-seconds:
		return err
	case <-time.After(60 * time.Second): // for a loaded machine
		t.Fatal("timed out")
		return nil
	}
}

// TestDiaryWritesSeeConcurrentSchedule races a customer's booking of a
// window, and staff's appointment for the same technician, against staff
// scheduling a visit in it: each must wait for the visit and be refused
// (the other staff writes took neither the site's nor the technician's
// diary lock, so on PostgreSQL both were saved).
func TestDiaryWritesSeeConcurrentSchedule(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.Org.ID, "", "Robin Office", fieldportal.RoleStaff)
		schedule := func(day int) func() error {
			j := mustWorkJob(t, db, staff, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
			return func() error {
				_, _, err := db.ScheduleJob(ctx, staff, fieldportal.JobSchedule{JobID: j.ID, Technician: "Sam Reed", Window: w.slot(t, day, 10)})
				return err
			}
		}
		t.Run("a booking at the site", func(t *testing.T) {
			err := duringCommit(t, db, schedule(3), func() error { return db.BookJob(ctx, w.Parent, w.booking(t, w.SiteB, 3, 10), nil) })
			wantField(t, err, fieldportal.ECONFLICT, "window")
		})
		t.Run("an appointment of the technician", func(t *testing.T) {
			slot := w.slot(t, 4, 10)
			err := duringCommit(t, db, schedule(4), func() error {
				return db.CreateAppointment(ctx, staff, &fieldportal.Appointment{SiteID: w.SiteA.ID, Technician: "Sam Reed",
					StartsAt: slot.Start, EndsAt: slot.End})
			})
			wantField(t, err, fieldportal.ECONFLICT, "starts_at")
		})
	})
}

// TestMailsReadInTheirTransaction runs the writes that queue the mails of
// issue 16 with one connection in the pool: a read of the organisation
// or its settings on the pool beside the transaction (as the issue
// answered mail made) waits for a connection the transaction holds, as
// it does when the writers queued behind it hold all the others.
func TestMailsReadInTheirTransaction(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustBookingWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.Org.ID, "", "Robin Office", fieldportal.RoleStaff)
		x := mustWorkIssue(t, db, w.Child, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Leak", Priority: fieldportal.PriorityNormal})
		j := MustBookJob(t, db, w.Child, w.booking(t, w.SiteB, 2, 10))
		q := &fieldportal.Quote{SiteID: w.SiteB.ID, Description: "Please quote"}
		if err := db.RequestQuote(context.Background(), w.Child, q, nil); err != nil {
			t.Fatal(err)
		}
		// Settings saved just now: the cache does not have them.
		st, err := db.FindSettings(context.Background(), w.Org.ID)
		if err != nil {
			st = fieldportal.DefaultSettings()
		}
		if err := db.UpdateSettings(context.Background(), w.Staff, st); err != nil {
			t.Fatal(err)
		}
		db.SQL().SetMaxOpenConns(1)
		defer db.SQL().SetMaxOpenConns(8)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // for a loaded machine
		defer cancel()
		if err := db.CommentOnIssue(ctx, staff, &fieldportal.IssueComment{IssueID: x.ID, Body: "On our way"}, nil); err != nil {
			t.Errorf("comment: %v", err)
		}
		if _, _, err := db.ScheduleJob(ctx, staff, fieldportal.JobSchedule{JobID: j.ID, Technician: "Sam Reed", Window: w.slot(t, 3, 10)}); err != nil {
			t.Errorf("schedule: %v", err)
		}
		p := fieldportal.QuotePricing{Send: true, TaxRate: 2000, ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 31},
			Items: []fieldportal.QuoteItem{{Description: "Labour", Quantity: 1, UnitPrice: 5000}}}
		if _, _, err := db.PriceQuote(ctx, staff, q.ID, p); err != nil {
			t.Errorf("price: %v", err)
		}
	})
}
