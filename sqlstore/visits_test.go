package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustVisitContact adds a contact of customer with an email, the job role
// when job is set, and an active login with every page reaching every
// site, and returns its viewer.
func mustVisitContact(tb testing.TB, db *sqlstore.DB, orgID, customerID, first string, job bool) fieldportal.Viewer {
	tb.Helper()
	contact := mustWorkExec(tb, db, `INSERT INTO contacts (id, org_id, customer_id, first_name, email, job_contact, created_at, updated_at)
		VALUES ($1, $2, $4, $5, $6, $7, $3, $3)`, orgID, customerID, first, strings.ToLower(first)+"@example.test", job)
	login := mustWorkExec(tb, db, `INSERT INTO portal_logins (id, org_id, contact_id, username, status, page_access, site_access, created_at, updated_at)
		VALUES ($1, $2, $4, $5, 'active', $6, 'all', $3, $3)`, orgID, contact, strings.ToLower(first)+"@example.test", fieldportal.Modules(fieldportal.AllModules).String())
	v, err := db.ViewerForLogin(context.Background(), orgID, login)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// mustVisitOutbox lists the outbox's messages of a topic: recipient and
// subject for mail, the payload for webhooks.
func mustVisitOutbox(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, kind, topic string) []string {
	tb.Helper()
	msgs, _, err := db.FindOutbox(context.Background(), v, fieldportal.OutboxFilter{Kind: kind, Page: fieldportal.Page{Limit: 100}})
	if err != nil {
		tb.Fatal(err)
	}
	out := []string{}
	for _, m := range msgs {
		if m.Topic == topic {
			if kind == "mail" {
				out = append(out, m.Recipient+": "+m.Subject)
			} else {
				out = append(out, m.Payload)
			}
		}
	}
	return out
}

func TestVisitStatus(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)
		sys := w.Staff
		jo := mustVisitContact(t, db, w.Org.ID, w.workWorld.Child.ID, "Jo", true)
		al := mustVisitContact(t, db, w.Org.ID, w.workWorld.Child.ID, "Al", false)
		if _, err := db.SQL().Exec(`INSERT INTO webhook_endpoints (id, org_id, url, secret, events, active, created_at, updated_at)
			VALUES ($1, $2, 'https://hook.example.test/', 'secret', '*', TRUE, $3, $3)`, sqlstore.NewID(), w.Org.ID, db.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		tech := &fieldportal.StaffUser{Email: "sam@op.test", Name: "Sam Reed", Role: fieldportal.RoleStaff}
		if err := db.CreateStaffUser(ctx, sys, tech); err != nil {
			t.Fatal(err)
		}
		staffV := fieldportal.NewStaffViewer(w.Org.ID, tech.ID, tech.Name, fieldportal.RoleStaff)
		if err := db.SetStaffProfile(ctx, staffV, fieldportal.StaffProfile{StaffID: tech.ID, DisplayName: "Sam",
			Photo: []byte("\x89PNG fake"), PhotoType: "image/png"}); err != nil {
			t.Fatal(err)
		}
		j := MustBookJob(t, db, jo, w.booking(t, w.SiteB, 2, 10))
		start := time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)
		a := &fieldportal.Appointment{SiteID: w.SiteB.ID, JobID: j.ID, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
			TechnicianEmail: "SAM@op.test"}
		if err := db.CreateAppointment(ctx, sys, a); err != nil {
			t.Fatal(err)
		}
		move := func(id string, s fieldportal.VisitStatus, eta time.Time) error {
			x, err := db.FindAppointmentByID(ctx, sys, id)
			if err != nil {
				t.Fatal(err)
			}
			x.Status, x.ETA = s, eta
			return db.UpdateAppointment(ctx, sys, x)
		}
		eta := start.Add(-10 * time.Minute)

		t.Run("a staff user linked by email shows by the display name", func(t *testing.T) {
			got, err := db.FindAppointmentByID(ctx, jo, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != fieldportal.VisitScheduled || got.TechnicianStaffID != tech.ID || got.Technician != "Sam Reed" ||
				got.ShownTechnician() != "Sam" || got.TechnicianPhoto == "" {
				t.Errorf("got %s %q %q %q photo %q", got.Status, got.TechnicianStaffID, got.Technician, got.ShownTechnician(), got.TechnicianPhoto)
			}
		})
		t.Run("an unknown technician email is refused naming the field", func(t *testing.T) {
			x := &fieldportal.Appointment{SiteID: w.SiteB.ID, StartsAt: start, EndsAt: start.Add(time.Hour), TechnicianEmail: "nobody@op.test"}
			wantField(t, db.CreateAppointment(ctx, sys, x), fieldportal.EINVALID, "technician_email")
		})
		t.Run("on the way without an arrival time is refused naming eta", func(t *testing.T) {
			wantField(t, move(a.ID, fieldportal.VisitOnTheWay, time.Time{}), fieldportal.EINVALID, "eta")
		})
		t.Run("done straight from scheduled is refused naming status", func(t *testing.T) {
			wantField(t, move(a.ID, fieldportal.VisitDone, time.Time{}), fieldportal.EINVALID, "status")
		})
		t.Run("on the way mails the job contacts once and tells the webhooks every time", func(t *testing.T) {
			if err := move(a.ID, fieldportal.VisitOnTheWay, eta); err != nil {
				t.Fatal(err)
			}
			if err := move(a.ID, fieldportal.VisitOnTheWay, eta.Add(15*time.Minute)); err != nil {
				t.Fatal(err)
			}
			mails := mustVisitOutbox(t, db, sys, "mail", "visit.on_the_way")
			if len(mails) != 1 || !strings.HasPrefix(mails[0], "jo@example.test: Sam is on the way for job ") {
				t.Errorf("mails %q, want one to Jo", mails)
			}
			events := mustVisitOutbox(t, db, sys, "webhook", "appointment.status_changed")
			if len(events) != 2 || !strings.Contains(events[0], `"status":"on_the_way"`) {
				t.Errorf("events %q, want two on the way", events)
			}
			got, _ := db.FindAppointmentByID(ctx, jo, a.ID)
			if !got.ETA.Equal(eta.Add(15 * time.Minute)) {
				t.Errorf("ETA %v, want the second", got.ETA)
			}
			// Back to scheduled and on the way again: still no second mail.
			if err := move(a.ID, fieldportal.VisitScheduled, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if err := move(a.ID, fieldportal.VisitOnTheWay, eta); err != nil {
				t.Fatal(err)
			}
			if mails := mustVisitOutbox(t, db, sys, "mail", "visit.on_the_way"); len(mails) != 1 {
				t.Errorf("%d mails after a second journey, want 1", len(mails))
			}
		})

		feedback := func(v fieldportal.Viewer, rating int) error {
			return db.LeaveFeedback(ctx, v, &fieldportal.VisitFeedback{JobID: j.ID, AppointmentID: a.ID, Rating: rating, Comment: "Quick and tidy"})
		}
		t.Run("a visit not done cannot be rated", func(t *testing.T) {
			wantField(t, feedback(jo, 5), fieldportal.EINVALID, "rating")
		})
		if err := move(a.ID, fieldportal.VisitOnSite, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if err := move(a.ID, fieldportal.VisitDone, time.Time{}); err != nil {
			t.Fatal(err)
		}
		t.Run("the job page offers the done visit to the job contact", func(t *testing.T) {
			jf, err := db.FindJobFeedback(ctx, jo, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !jf.Enabled || !jf.CanRate || jf.Rateable == nil || jf.Rateable.ID != a.ID || len(jf.Given) != 0 {
				t.Errorf("got %+v", jf)
			}
			jf, err = db.FindJobFeedback(ctx, al, j.ID)
			if err != nil || jf.CanRate {
				t.Errorf("Al may rate: %+v %v", jf, err)
			}
		})
		t.Run("a rating of 6 is refused naming the field", func(t *testing.T) {
			wantField(t, feedback(jo, 6), fieldportal.EINVALID, "rating")
		})
		t.Run("a contact without the job role is refused", func(t *testing.T) {
			if err := feedback(al, 4); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Fatalf("err %v, want forbidden", err)
			}
		})
		t.Run("feedback off refuses the rating", func(t *testing.T) {
			mustVisitFeedbackOff(t, db, w.Org.ID, true)
			defer mustVisitFeedbackOff(t, db, w.Org.ID, false)
			if err := feedback(jo, 4); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Fatalf("err %v, want forbidden", err)
			}
			if jf, err := db.FindJobFeedback(ctx, jo, j.ID); err != nil || jf.Enabled {
				t.Errorf("feedback shown as on: %+v %v", jf, err)
			}
		})
		t.Run("the job contact rates once", func(t *testing.T) {
			if err := feedback(jo, 5); err != nil {
				t.Fatal(err)
			}
			if err := feedback(jo, 4); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Fatalf("second rating: %v, want a conflict", err)
			}
			if ev := mustVisitOutbox(t, db, sys, "webhook", "feedback.received"); len(ev) != 1 || !strings.Contains(ev[0], `"rating":5`) {
				t.Errorf("events %q", ev)
			}
			jf, err := db.FindJobFeedback(ctx, jo, j.ID)
			if err != nil || jf.Rateable != nil || len(jf.Given) != 1 || jf.Given[0].Technician != "Sam" {
				t.Errorf("after rating: %+v %v", jf, err)
			}
		})
		t.Run("staff see the ratings and the averages", func(t *testing.T) {
			list, _, err := db.FindFeedback(ctx, staffV, fieldportal.FeedbackFilter{TechnicianStaffID: tech.ID})
			if err != nil || len(list) != 1 || list[0].Rating != 5 || list[0].SiteName != "Bravo Yard" {
				t.Fatalf("list %+v %v", list, err)
			}
			sum, err := db.SummariseFeedback(ctx, staffV)
			if err != nil || sum.Count != 1 || sum.Average != 5 || len(sum.ByTechnician) != 1 || sum.ByTechnician[0].Name != "Sam" ||
				len(sum.BySite) != 1 || sum.BySite[0].Name != "Bravo Yard" {
				t.Errorf("summary %+v %v", sum, err)
			}
			if _, _, err := db.FindFeedback(ctx, jo, fieldportal.FeedbackFilter{}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("a contact lists ratings: %v", err)
			}
		})
		t.Run("done is final", func(t *testing.T) {
			wantField(t, move(a.ID, fieldportal.VisitCancelled, time.Time{}), fieldportal.EINVALID, "status")
		})
		t.Run("linking another staff user renames the visit's technician", func(t *testing.T) {
			alex := &fieldportal.StaffUser{Email: "alex@op.test", Name: "Alex Kim", Role: fieldportal.RoleStaff}
			if err := db.CreateStaffUser(ctx, sys, alex); err != nil {
				t.Fatal(err)
			}
			at := start.Add(-48 * time.Hour)
			x := &fieldportal.Appointment{SiteID: w.SiteB.ID, JobID: j.ID, StartsAt: at, EndsAt: at.Add(time.Hour), TechnicianEmail: "sam@op.test"}
			if err := db.CreateAppointment(ctx, sys, x); err != nil {
				t.Fatal(err)
			}
			// The console's visit form sends the staff user only, as an
			// API PATCH of technician_staff_id does.
			y, err := db.FindAppointmentByID(ctx, sys, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			y.TechnicianStaffID = alex.ID
			if err := db.UpdateAppointment(ctx, sys, y); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindAppointmentByID(ctx, sys, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.TechnicianStaffID != alex.ID || got.Technician != "Alex Kim" || got.ShownTechnician() != "Alex Kim" {
				t.Errorf("technician %q (%q, shown %q), want Alex Kim's", got.Technician, got.TechnicianStaffID, got.ShownTechnician())
			}
		})
		t.Run("two on the way posts at once mail once", func(t *testing.T) {
			before := len(mustVisitOutbox(t, db, sys, "mail", "visit.on_the_way"))
			at := start.Add(24 * 30 * time.Hour)
			x := &fieldportal.Appointment{SiteID: w.SiteB.ID, JobID: j.ID, StartsAt: at, EndsAt: at.Add(time.Hour)}
			if err := db.CreateAppointment(ctx, sys, x); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			ready := make(chan struct{})
			for k := range errs {
				y, err := db.FindAppointmentByID(ctx, sys, x.ID)
				if err != nil {
					t.Fatal(err)
				}
				y.Status, y.ETA = fieldportal.VisitOnTheWay, at.Add(time.Duration(k-20)*time.Minute)
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-ready
					errs[k] = db.UpdateAppointment(ctx, sys, y)
				}()
			}
			close(ready)
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if n := len(mustVisitOutbox(t, db, sys, "mail", "visit.on_the_way")) - before; n != 1 {
				t.Errorf("%d on the way mails for two posts at once, want 1", n)
			}
		})
		t.Run("two moves at once: the second is checked against the first", func(t *testing.T) {
			// On site, one post says done and another cancelled at the same
			// moment: done and cancelled are each final for the other, so
			// one of the two is refused, never both applied.
			for i := 0; i < 8; i++ {
				at := start.Add(time.Duration(24*(i+1)) * time.Hour)
				x := &fieldportal.Appointment{SiteID: w.SiteB.ID, JobID: j.ID, StartsAt: at, EndsAt: at.Add(time.Hour)}
				if err := db.CreateAppointment(ctx, sys, x); err != nil {
					t.Fatal(err)
				}
				if err := move(x.ID, fieldportal.VisitOnSite, time.Time{}); err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				errs := make([]error, 2)
				ready := make(chan struct{})
				for k, to := range []fieldportal.VisitStatus{fieldportal.VisitDone, fieldportal.VisitCancelled} {
					y, err := db.FindAppointmentByID(ctx, sys, x.ID)
					if err != nil {
						t.Fatal(err)
					}
					y.Status = to
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-ready
						errs[k] = db.UpdateAppointment(ctx, sys, y)
					}()
				}
				close(ready)
				wg.Wait()
				if errs[0] == nil && errs[1] == nil {
					got, _ := db.FindAppointmentByID(ctx, sys, x.ID)
					t.Fatalf("visit %d: both done and cancelled applied from on site (now %s)", i, got.Status)
				}
				for _, err := range errs {
					if err != nil && fieldportal.ErrorCode(err) != fieldportal.EINVALID {
						t.Errorf("visit %d: %v, want a refused move", i, err)
					}
				}
			}
		})
	})
}

// mustVisitFeedbackOff turns the organisation's feedback off or on.
func mustVisitFeedbackOff(tb testing.TB, db *sqlstore.DB, orgID string, off bool) {
	tb.Helper()
	ctx := context.Background()
	st, err := db.FindSettings(ctx, orgID)
	if err != nil {
		tb.Fatal(err)
	}
	st.FeedbackOff = off
	if err := db.UpdateSettings(ctx, fieldportal.SystemViewer(orgID, "test"), st); err != nil {
		tb.Fatal(err)
	}
}
